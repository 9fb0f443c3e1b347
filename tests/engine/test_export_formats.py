"""`concurlab export`: every format checked against its published rules on a class graded
by the real pipeline (e03 and e12: a reference, a mutant, one exercise not submitted, a late one).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
import xmlschema
import yaml
from click.testing import CliRunner

from grader.cli import main
from grader.course import Course, load_course, mutant_rejects
from grader.export import Export, ExportError, export, formats
from grader.export.csv_gradebook import header as csv_header
from grader.export.roster import Roster, RosterError
from grader.results import ClassResult, Outcome, Status
from tests.conftest import ROOT, copy_course

pytestmark = pytest.mark.slow

EXERCISES = ["e03_race_counter", "e12_scaling"]
MUTANTS = {"e03_race_counter": "class_lock.py", "e12_scaling": "serial_fraction_confusion.py"}
DEADLINE = "2026-12-18T23:59:00+00:00"
JUNIT_XSD = ROOT / "tests" / "data" / "junit-10.xsd"
ROSTER = (
    "Student ID,Name,Email,Username,ID Number,Canvas ID,SIS User ID,SIS Login ID,Section\n"
    "ada,\"Lovelace, Ada\",ada@uni.example,alovelace,1001,11,S1,ada,A\n"
    "linus,=HYPERLINK(\"http://evil\"),linus@uni.example,ltorvalds,1002,12,S2,linus,A\n"
    "lee,@SUM(1+1),lee@uni.example,lee,1003,13,S3,lee,B\n"
    "zoe,Zoe Absent,zoe@uni.example,zoe,1004,14,S4,zoe,B\n"
)


@dataclass(frozen=True)
class Graded:
    course: Course
    out: Path
    roster: Path
    gradebook: Path

    @property
    def results(self) -> ClassResult:
        return ClassResult.load(self.out)


@pytest.fixture(scope="session")
def graded(tmp_path_factory) -> Graded:
    root = tmp_path_factory.mktemp("export-class")
    course_dir = copy_course(root / "course", EXERCISES)
    data = yaml.safe_load((course_dir / "course.yml").read_text())
    data["policies"] = {"deadline": DEADLINE, "late_penalty_per_day": 0.1, "late_cap": 0.5}
    (course_dir / "course.yml").write_text(yaml.safe_dump(data, sort_keys=False))
    course = load_course(course_dir / "course.yml")
    subs = root / "subs"
    for ex_id in EXERCISES:
        ex = course.exercises[ex_id]
        reference = (course.solution_dir(ex) / f"{ex.module}.py").read_bytes()
        for sid in ("ada", "lee") + (("grace",) if ex_id == "e03_race_counter" else ()):
            _write(subs / sid / ex_id / f"{ex.module}.py", reference)
        _write(subs / "linus" / ex_id / f"{ex.module}.py",
               (course.mutants_dir(ex) / MUTANTS[ex_id]).read_bytes())
    times = root / "times.csv"
    times.write_text("student_id,submitted_at\nlee,2026-12-20T10:00:00+00:00\n"
                     "ada,2026-12-18T12:00:00+00:00\n")
    out = root / "out"
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(out),
                           "--course", str(course_dir / "course.yml"), "--submitted-at", str(times),
                           "-j", "2", "--nbgrader-db", str(root / "gradebook.db"),
                           "--assignment", "concurrency"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr, proc.stderr
    roster = root / "roster.csv"
    roster.write_text(ROSTER)
    return Graded(course, out, roster, root / "gradebook.db")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _export(graded: Graded, fmt: str, tmp_path: Path, results: ClassResult | None = None,
            **kw) -> tuple[Path, list[str]]:
    output = tmp_path / fmt
    data = Export(results or graded.results, graded.course, Roster.read(graded.roster), **kw)
    return output, export(fmt, data, output)


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _expected_mutant_score(course: Course) -> float:
    """Each mutant loses the tests its `# rejects:` line names, and the tests they gate."""
    total = 0.0
    for e in EXERCISES:
        ex = course.exercises[e]
        rejected = mutant_rejects(course.mutants_dir(ex) / MUTANTS[e])
        lost = rejected | {t for t, needs in ex.requires.items() if set(needs) & rejected}
        total += ex.max_score - sum(ex.points[t] for t in lost)
    return total


def with_pending(results: ClassResult, student: str, exercise: str) -> ClassResult:
    """The class with one exercise's first passed test turned inconclusive (a busy machine)."""
    reports = []
    for rep in results.students:
        if rep.student_id == student:
            ex = rep.exercises[exercise]
            first = next(i for i, t in enumerate(ex.tests) if t.outcome is Outcome.PASSED)
            tests = list(ex.tests)
            tests[first] = replace(tests[first], outcome=Outcome.INCONCLUSIVE, points=0.0,
                                   message="the reference could not show a speedup here")
            ex = replace(ex, status=Status.INCONCLUSIVE, tests=tuple(tests),
                         score=round(sum(t.points for t in tests), 6))
            rep = replace(rep, exercises={**rep.exercises, exercise: ex})
        reports.append(rep)
    return ClassResult.of(reports)


def test_the_class_was_graded_as_expected(graded):
    res = graded.results
    assert [r.student_id for r in res.students] == ["ada", "grace", "lee", "linus"]
    assert res.student("ada").total == 21 and res.student("ada").late is None
    assert res.student("linus").raw_total == _expected_mutant_score(graded.course) < 21
    assert res.student("grace").exercises["e12_scaling"].status is Status.NOT_SUBMITTED
    lee = res.student("lee")
    assert (lee.late.days, lee.late.penalty, lee.raw_total, lee.total) == (2, 0.2, 21, 16.8)


def test_every_format_is_registered_by_its_module():
    assert set(formats()) == {"canvas", "moodle", "gradescope-json", "junit", "csv"}


def test_csv_has_raw_penalty_final_and_status_per_exercise(graded, tmp_path):
    path, warnings = _export(graded, "csv", tmp_path)
    rows = _rows(path)
    assert rows[0] == csv_header(tuple(EXERCISES)) and warnings == []
    assert all(len(r) == len(rows[0]) for r in rows)
    table = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(table) == {"ada", "grace", "lee", "linus"}
    lee = table["lee"]
    assert (lee["e12_scaling raw"], lee["e12_scaling penalty"], lee["e12_scaling final"]) == ("13", "2.6", "10.4")
    assert (lee["days_late"], lee["total raw"], lee["total penalty"], lee["total final"]) == ("2", "21", "4.2", "16.8")
    assert table["grace"]["e12_scaling status"] == "not submitted"
    assert table["grace"]["e12_scaling final"] == "0"


def test_canvas_follows_the_gradebook_import_columns(graded, tmp_path):
    path, warnings = _export(graded, "canvas", tmp_path)
    rows = _rows(path)
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0][5:7] == [f"{e}: {graded.course.exercises[e].title}" for e in EXERCISES]
    assert rows[1][0] == "Points Possible" and rows[1][5:8] == ["8", "13", "21"]
    assert all(len(r) == len(rows[0]) for r in rows)
    by_login = {r[3]: r for r in rows[2:]}
    assert set(by_login) == {"ada", "linus", "lee", "zoe"}
    assert by_login["ada"][:8] == ["Lovelace, Ada", "11", "S1", "ada", "A", "8", "13", "21"]
    assert by_login["lee"][7] == "16.8" and "late" in by_login["lee"][8]
    assert by_login["zoe"][5:8] == ["", "", ""]
    # Names are untrusted: a spreadsheet must read them as text, never as a formula.
    assert by_login["linus"][0] == "'=HYPERLINK(\"http://evil\")"
    assert by_login["lee"][0] == "'@SUM(1+1)"
    assert any(w.startswith("grace: graded but not on the roster") for w in warnings)
    assert any(w.startswith("zoe (Zoe Absent): on the roster") for w in warnings)


def test_canvas_needs_a_roster(graded, tmp_path):
    with pytest.raises(ExportError, match="--roster"):
        export("canvas", Export(graded.results, graded.course), tmp_path / "c.csv")


@pytest.mark.parametrize(("match", "column", "ada"), [("username", "Username", "alovelace"),
                                                       ("email", "Email address", "ada@uni.example"),
                                                       ("idnumber", "ID number", "1001")])
def test_moodle_matches_on_the_chosen_identifier_with_feedback_beside_each_grade(
        graded, tmp_path, match, column, ada):
    path, _ = _export(graded, "moodle", tmp_path, match=match)
    rows = _rows(path)
    head = rows[0]
    assert head[0] == column
    for grade, fb in zip(head[1::2], head[2::2], strict=True):
        assert grade.endswith(" (Real)") and fb == grade.replace(" (Real)", " (Feedback)")
    table = {r[0]: dict(zip(head, r, strict=True)) for r in rows[1:]}
    assert ada in table and "grace" not in str(table)
    title = graded.course.exercises["e12_scaling"].title
    linus = next(v for k, v in table.items() if k.startswith(("ltorvalds", "linus", "1002")))
    assert "FAIL test_amdahl_speedup" in linus[f"{title} (Feedback)"]
    lee = next(v for k, v in table.items() if k.startswith(("lee", "1003")))
    assert lee[f"{title} (Real)"] == "10.4" and "2 day(s) late" in lee[f"{title} (Feedback)"]


def test_junit_is_valid_against_the_jenkins_schema(graded, tmp_path):
    schema = xmlschema.XMLSchema(JUNIT_XSD)
    folder, _ = _export(graded, "junit", tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == ["ada.xml", "grace.xml", "lee.xml", "linus.xml"]
    for path in folder.iterdir():
        schema.validate(path)
    doc = schema.to_dict(folder / "linus.xml")
    suites = {s["@name"].split(":")[0]: s for s in doc["testsuite"]}
    assert list(suites) == EXERCISES
    linus = graded.results.student("linus")
    for ex_id, suite in suites.items():
        ex = linus.exercises[ex_id]
        assert [c["@name"] for c in suite["testcase"]] == [t.name for t in ex.tests]
        failed = {t.name: t.message for t in ex.tests if t.outcome is not Outcome.PASSED}
        assert int(suite["@failures"]) + int(suite["@errors"]) == len(failed) > 0
        for case in suite["testcase"]:
            if case["@name"] in failed:
                problem = case.get("failure") or case.get("error")
                assert problem[0]["$"] == failed[case["@name"]].strip()
    props = {p["@name"]: p["@value"] for p in schema.to_dict(folder / "lee.xml")["testsuite"][1]
             ["properties"][0]["property"]}
    assert (props["raw_score"], props["late_penalty"], props["final_score"]) == ("13", "2.6", "10.4")


def test_gradescope_json_has_the_published_fields_and_types(graded, tmp_path):
    folder, _ = _export(graded, "gradescope-json", tmp_path)
    for path in folder.iterdir():
        doc = json.loads(path.read_text())
        assert isinstance(doc["score"], float) and isinstance(doc["execution_time"], int)
        assert isinstance(doc["output"], str) and isinstance(doc["tests"], list)
        for test in doc["tests"]:
            assert isinstance(test["name"], str) and isinstance(test["max_score"], float)
            assert isinstance(test["score"], float) and test["status"] in ("passed", "failed")
            assert test["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
            assert isinstance(test["output"], str)
    lee = json.loads((folder / "lee.json").read_text())
    assert lee["score"] == 16.8 and "2 day(s) late" in lee["output"]
    linus = json.loads((folder / "linus.json").read_text())
    assert sum(t["score"] for t in linus["tests"]) == linus["score"] < 21


def test_an_inconclusive_result_is_pending_in_every_format_never_a_final_zero(graded, tmp_path):
    results = with_pending(graded.results, "ada", "e12_scaling")
    title = graded.course.exercises["e12_scaling"].title
    rows = _rows(_export(graded, "csv", tmp_path, results)[0])
    ada = dict(zip(rows[0], next(r for r in rows if r[0] == "ada"), strict=True))
    assert ada["e12_scaling final"] == "" and ada["e12_scaling status"].startswith("pending regrade")
    assert ada["total final"] == "" and ada["total status"].startswith("pending regrade")

    rows = _rows(_export(graded, "canvas", tmp_path, results)[0])
    ada = next(r for r in rows if r[3] == "ada")
    assert ada[5] == "8" and ada[6] == "" and ada[7] == "" and "pending regrade" in ada[8]

    rows = _rows(_export(graded, "moodle", tmp_path, results)[0])
    ada = dict(zip(rows[0], next(r for r in rows if r[0] == "alovelace"), strict=True))
    assert ada[f"{title} (Real)"] == "" and "pending regrade" in ada[f"{title} (Feedback)"]

    folder, _ = _export(graded, "junit", tmp_path, results)
    schema = xmlschema.XMLSchema(JUNIT_XSD)
    schema.validate(folder / "ada.xml")
    suite = schema.to_dict(folder / "ada.xml")["testsuite"][1]
    skipped = [c for c in suite["testcase"] if "skipped" in c]
    assert len(skipped) == 1 == int(suite["@skipped"]) and skipped[0]["skipped"][0]["@type"] == "pending-regrade"
    assert {p["@name"]: p["@value"] for p in suite["properties"][0]["property"]}["final_score"] == "pending"

    folder, _ = _export(graded, "gradescope-json", tmp_path, results)
    doc = json.loads((folder / "ada.json").read_text())
    pending = [t for t in doc["tests"] if t["output"].startswith("PENDING REGRADE")]
    assert len(pending) == 1 and "score" not in pending[0] and "status" not in pending[0]
    assert "PENDING REGRADE" in doc["output"] and doc["extra_data"]["final"] is False


def test_roster_errors_name_the_file_the_line_and_the_fix(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("name,email\nAda,ada@x\n")
    with pytest.raises(RosterError, match=r"roster.csv: no student_id column .* Fix: add a student_id"):
        Roster.read(path)
    path.write_text("student_id,name\nada,Ada\nbob,Bob\nada,Ada again\n")
    with pytest.raises(RosterError, match=r"roster.csv:4: student ada is also on line 2\. Fix"):
        Roster.read(path)


def test_cli_errors_are_clear_and_carry_no_usage_header(graded, tmp_path):
    runner = CliRunner()
    course = str(graded.course.path)
    empty = tmp_path / "empty"
    empty.mkdir()
    res = runner.invoke(main, ["export", str(empty), "--format", "csv", "--output",
                               str(tmp_path / "x.csv"), "--course", course])
    assert res.exit_code == 1 and "no graded results" in res.output and "Usage:" not in res.output
    res = runner.invoke(main, ["export", str(graded.out), "--format", "blackboard", "--output",
                               str(tmp_path / "x.csv"), "--course", course])
    assert res.exit_code == 1 and "unknown format 'blackboard'" in res.output
    assert "canvas" in res.output and "Usage:" not in res.output
    res = runner.invoke(main, ["export", str(graded.out), "--format", "canvas", "--output",
                               str(tmp_path / "c.csv"), "--course", course, "--roster",
                               str(graded.roster)])
    assert res.exit_code == 0, res.output
    assert "warning: grace: graded but not on the roster" in res.output
    assert (tmp_path / "c.csv").read_text().startswith("Student,ID,SIS User ID")


def nbgrader_export(db: Path, tmp_path: Path) -> dict[str, dict[str, str]]:
    """The gradebook as ``nbgrader export`` (nbgrader's own CSV plugin) writes it."""
    out = tmp_path / "nbgrader-grades.csv"
    bin_dir = Path(sys.executable).parent
    proc = subprocess.run([str(bin_dir / "nbgrader"), "export", f"--db=sqlite:///{db}", f"--to={out}"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300,
                          env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert proc.returncode == 0, proc.stderr
    return {row["student_id"]: row for row in csv.DictReader(out.open())}


def test_grade_writes_the_nbgrader_gradebook_that_nbgrader_export_reads(graded, tmp_path):
    rows = nbgrader_export(graded.gradebook, tmp_path)
    assert set(rows) == {"ada", "grace", "lee", "linus"}
    for sid, rep in ((r.student_id, r) for r in graded.results.students):
        row = rows[sid]
        assert row["assignment"] == "concurrency" and float(row["max_score"]) == 21
        assert float(row["raw_score"]) == rep.raw_total
        assert float(row["score"]) == pytest.approx(rep.total)
    assert float(rows["lee"]["late_submission_penalty"]) == pytest.approx(4.2)


def test_an_inconclusive_test_needs_a_manual_grade_in_nbgrader(graded, tmp_path):
    from nbgrader.api import Gradebook

    from grader.export.nbgrader_db import write_gradebook

    db = tmp_path / "gradebook.db"
    write_gradebook(Export(graded.results, graded.course), db, "concurrency")
    results = with_pending(graded.results, "ada", "e12_scaling")
    write_gradebook(Export(results, graded.course), db, "concurrency")  # a second write updates
    pending = next(t for t in results.student("ada").exercises["e12_scaling"].tests
                   if t.outcome is Outcome.INCONCLUSIVE)
    with Gradebook(f"sqlite:///{db}") as gb:
        grade = gb.find_grade(pending.function, "e12_scaling", "concurrency", "ada")
        assert grade.auto_score is None and grade.needs_manual_grade
        assert gb.find_submission("concurrency", "ada").needs_manual_grade
        assert len(gb.students) == 4
    assert float(nbgrader_export(db, tmp_path)["ada"]["score"]) == 21 - pending.max_points
