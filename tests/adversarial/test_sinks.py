"""Attack class 7: untrusted text reaching a terminal, markdown, CSV or HTML.

Failure messages and evidence are the submission's to shape; folder and zip names
are the student's.  Each sink must show them as text: no fenced block closed early,
no fake score, no raw HTML or ``javascript:`` link, no terminal escape codes, no
spreadsheet formula.  Rendered with a real CommonMark parser (markdown-it, which
rich ships with), so "is it escaped" is decided the way a viewer decides it.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from grader import environment, escape, sandbox
from grader.cli import main
from grader.course import Course
from grader.report import feedback, write_reports
from grader.results import ExerciseResult, Outcome, Status, StudentReport, TestResult
from tests.conftest import ROOT

OSC52 = "\x1b]52;c;aGFja2Vk\x07"  # writes "hacked" to the instructor's clipboard
CLEAR = "\x1b[2J\x1b[H"
HOSTILE = ("```\n\n# Total: 100 / 100\n\n<img src=x onerror=alert(1)>\n"
           "[your grade](javascript:alert(document.cookie))\n<script>alert(1)</script>\n"
           "~~~\n````````\n" + OSC52 + CLEAR + "\rPASS\x9b2J \udcff \u202e")


def _render(text: str) -> str:
    return MarkdownIt("commonmark").render(text)


def _report(message: str, student_id: str = "mallory", status: str = "graded") -> StudentReport:
    test = TestResult("test_concurrent_increments_are_never_lost", Outcome.FAILED, 0.0, 3.0, message)
    ex = ExerciseResult("e03_race_counter", Status(status), 0.0, 3.0, (test,),
                        message if status != "graded" else "")
    return StudentReport.build(student_id, {"e03_race_counter": ex})


@pytest.mark.parametrize("status", ["graded", "invalid", "tampering"])
def test_a_message_cannot_leave_its_fence_in_feedback(course: Course, status: str):
    html = _render(feedback(course, _report(HOSTILE, status=status)))
    assert html.count("<h1>") == 1 and "Total: 100" not in re.sub(r"<code>.*?</code>", "", html, flags=re.S)
    assert "<img" not in html and "<script" not in html
    assert 'href="javascript:' not in html.lower()
    assert "\x1b" not in html and "\x9b" not in html and "\r" not in html


def test_fences_are_longer_than_any_backtick_run_inside():
    lines = escape.markdown_code("a ``````` b\n```")
    assert lines[0] == lines[-1] == "`" * 8
    assert _render("\n".join(lines)).startswith("<pre><code>a ``````` b\n```")


def test_markdown_text_is_literal(course: Course):
    html = _render(escape.markdown_text("**bold** <b>x</b> [a](javascript:alert(1)) `c` # h"))
    assert "<strong>" not in html and "<b>" not in html and "<a " not in html and "<code>" not in html


@pytest.mark.parametrize("text", [OSC52, CLEAR, "\x1b[31mred", "\x9b2J", "\rover", "\x07",
                                  "\u202etxt.exe", "\x00\x7f"])
def test_terminal_shows_every_control_escaped(text: str):
    shown = escape.terminal(f"ada{text}")
    assert not re.search("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", shown)
    assert shown.startswith("ada") and "\\x" in shown or "\\u" in shown


def test_terminal_and_reports_survive_a_lone_surrogate():
    shown = escape.terminal("bad \udcff")
    assert shown == "bad \\udcff" and shown.encode("utf-8")
    assert escape.encodable("\ud800x").encode("utf-8") == b"\\ud800x"


@pytest.mark.parametrize(("cell", "expected"), [
    ("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("ada", "ada"), ("-1.5", "-1.5"), (8, 8), (2.5, 2.5),
])
def test_csv_cells_neutralise_formulas_and_keep_numbers(cell, expected):
    assert escape.csv_cell(cell) == expected


def test_grades_csv_neutralises_a_formula_id_and_keeps_scores_numeric(course: Course, tmp_path: Path):
    write_reports(course, tmp_path, [_report("x", student_id="=1+1"), _report("y")], ["e03_race_counter"])
    rows = list(csv.reader((tmp_path / "grades.csv").open()))
    assert rows[1][0] == "'=1+1" and rows[1][1:] == ["0", "graded", "0", "3"]


def test_one_unwritable_report_does_not_stop_the_others_or_the_gradebook(course: Course, tmp_path: Path):
    (tmp_path / "blocked").write_text("a file where the student's folder goes")
    problems = write_reports(course, tmp_path, [_report("x", student_id="blocked"),
                                                _report(HOSTILE, student_id="zed")],
                             ["e03_race_counter"])
    assert len(problems) == 1 and "blocked" in problems[0]
    assert (tmp_path / "zed" / "feedback.md").is_file()
    assert "blocked" in (tmp_path / "grades.csv").read_text()


def test_html_is_escaped_and_templates_autoescape():
    assert str(escape.html("<script>\udcff")) == "&lt;script&gt;\\udcff"
    env = escape.html_environment()
    assert env.from_string("<p>{{ m }}</p>").render(m="<img src=x onerror=alert(1)>") == \
        "<p>&lt;img src=x onerror=alert(1)&gt;</p>"


def _hostile_class(root: Path, honest: bool) -> Path:
    subs = root / "subs"
    (subs / f"x{OSC52}{CLEAR}").mkdir(parents=True)
    (subs / "broken.zip").write_bytes(b"PK\x03\x04" + os.urandom(64))
    if honest:
        (subs / "ada" / "e03_race_counter").mkdir(parents=True)
        (subs / "ada" / "e03_race_counter" / "counter.py").write_bytes(
            (ROOT / "solutions" / "e03_race_counter" / "counter.py").read_bytes())
    return subs


def _grade(subs: Path, out: Path, *extra: str):
    return CliRunner().invoke(main, ["grade", str(subs), "--out", str(out), "--course",
                                     str(ROOT / "course.yml"), "--exercise", "e03_race_counter",
                                     "--jobs", "1", *extra])


def test_escape_codes_in_a_folder_name_never_reach_the_terminal(tmp_path: Path):
    result = _grade(_hostile_class(tmp_path, honest=False), tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b]52;c;aGFja2Vk\\x07" in result.stderr and "not graded" in result.stderr


def test_grading_refuses_to_run_without_the_sandbox(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(sandbox, "available", lambda: False)
    monkeypatch.delenv(environment.SANDBOX, raising=False)
    result = _grade(_hostile_class(tmp_path, honest=False), tmp_path / "out")
    assert result.exit_code == 2 and "--no-sandbox" in result.output
    assert not (tmp_path / "out").exists()


def test_grading_without_the_sandbox_says_so_on_top(tmp_path: Path):
    subs = _hostile_class(tmp_path, honest=True)
    result = _grade(subs, tmp_path / "out", "--no-sandbox")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("warning: NOT SANDBOXED")
    text = (tmp_path / "out" / "ada" / "feedback.md").read_text()
    assert "**Graded without the sandbox**" in text.split("Total:")[0]
    # a later sandboxed run never reuses what ran outside the sandbox
    again = _grade(subs, tmp_path / "out")
    assert again.exit_code == 0 and "graded 1, reused 1" in again.output, again.output
    assert "without the sandbox" not in (tmp_path / "out" / "ada" / "feedback.md").read_text()
