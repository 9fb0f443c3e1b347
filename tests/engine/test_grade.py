"""`concurlab grade` end to end: a class with broken, hanging and missing work."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from grader.results import SCHEMA, ExerciseResult, Outcome, Status, StudentReport
from tests.conftest import ROOT, copy_course

EX = "e01_threads_io"
REFERENCE = (ROOT / "solutions" / EX / "downloader.py").read_text()
STUB = (ROOT / "exercises" / EX / "downloader.py").read_text()

SUBMISSIONS = {
    "full": REFERENCE,
    "stub": STUB,
    "syntax": "def download_all(urls, fetch, max_workers=8)\n    return {}\n",
    "hangs": "def download_all(urls, fetch, max_workers=8):\n    while True:\n        pass\n",
    "exits_at_import": "import os\nos._exit(0)\n",
}


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory) -> Path:
    # Short budgets so the hanging submission is cut quickly.
    return copy_course(tmp_path_factory.mktemp("course"), [EX], test_timeout=10, wall_budget=20)


def make_class(root: Path) -> Path:
    subs = root / "subs"
    for sid, source in SUBMISSIONS.items():
        (subs / sid / EX).mkdir(parents=True)
        (subs / sid / EX / "downloader.py").write_text(source)
    (subs / "stray_conftest" / EX).mkdir(parents=True)
    (subs / "stray_conftest" / EX / "downloader.py").write_text(REFERENCE)
    (subs / "stray_conftest" / EX / "conftest.py").write_text("import os\nos._exit(1)\n")
    (subs / "missing").mkdir()
    with zipfile.ZipFile(subs / "zipped.zip", "w") as zf:
        zf.writestr(f"zipped/{EX}/downloader.py", REFERENCE)
    return subs


def grade(course_dir: Path, subs: Path, out: Path, *extra: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(out),
         "--course", str(course_dir / "course.yml"), "--jobs", "2", *extra],
        capture_output=True, text=True, timeout=300, **kw)


def report(out: Path, sid: str) -> ExerciseResult:
    return StudentReport.from_json(json.loads((out / sid / "report.json").read_text())).exercises[EX]


def full_marks(out: Path, sid: str) -> bool:
    """Every test passed, or could not be timed on a busy machine (a regrade, never a loss)."""
    return not any(t.outcome.loses_points for t in report(out, sid).tests)


def read_grades(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "grades.csv") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


@pytest.fixture(scope="module")
def graded(course_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    subs = make_class(root)
    out = root / "out"
    proc = grade(course_dir, subs, out)
    return subs, out, proc


def test_every_result_is_right(graded):
    subs, out, proc = graded
    assert proc.returncode == 0, proc.stderr
    grades = read_grades(out)
    assert list(grades["full"]) == ["student_id", EX, f"{EX}_status", "total", "max_total"]
    assert grades["missing"][f"{EX}_status"] == "not submitted"
    assert grades["full"][f"{EX}_status"] in ("graded", "inconclusive")
    assert grades["full"]["max_total"] == "10" and full_marks(out, "full")
    assert full_marks(out, "zipped"), "a zip holds the same tree"
    assert full_marks(out, "stray_conftest"), "a stray conftest.py is never run"
    for sid in ("stub", "syntax", "hangs", "exits_at_import", "missing"):
        assert grades[sid]["total"] == "0", sid


def test_reports_explain_each_failure(graded):
    _, out, _ = graded

    assert report(out, "missing").status is Status.NOT_SUBMITTED
    syntax = report(out, "syntax")
    assert syntax.status is Status.SYNTAX_ERROR and "line 1" in syntax.message
    hangs = report(out, "hangs")
    assert hangs.status is Status.TIMED_OUT
    assert all(t.outcome is Outcome.FAILED and "timed out after" in t.message for t in hangs.tests)
    died = report(out, "exits_at_import").tests[0].message
    assert "ended (exit code 0) during importing downloader" in died
    full = json.loads((out / "full" / "report.json").read_text())
    assert set(full) == {"schema", "student_id", "total", "max_total", "exercises"}
    assert full["schema"] == SCHEMA
    graded_full = report(out, "full")
    assert graded_full.seed == 0 and graded_full.sandbox in ("bubblewrap", "off")
    assert "# Concurrency in Python: feedback for stub" in (out / "stub" / "feedback.md").read_text()


def test_rerun_reuses_finished_work(graded, course_dir):
    subs, out, _ = graded
    start = time.monotonic()
    proc = grade(course_dir, subs, out)
    assert proc.returncode == 0
    assert "graded 0, reused 8 unchanged" in proc.stdout
    assert time.monotonic() - start < 10


def test_changed_submission_is_regraded(graded, course_dir):
    subs, out, _ = graded
    (subs / "stub" / EX / "downloader.py").write_text(REFERENCE)
    proc = grade(course_dir, subs, out, "--exercise", EX)
    assert "graded 1, reused 7" in proc.stdout
    assert full_marks(out, "stub")


def test_bad_arguments_exit_2_with_one_line(course_dir, tmp_path):
    (tmp_path / "subs").mkdir()
    proc = grade(course_dir, tmp_path / "subs", tmp_path / "out", "--exercise", "e99_nope")
    assert proc.returncode == 2
    assert "unknown exercise e99_nope" in proc.stderr and "Traceback" not in proc.stderr


def test_killing_the_grader_loses_nothing_finished(course_dir, tmp_path):
    subs = tmp_path / "subs"
    for i in range(6):
        (subs / f"s{i}" / EX).mkdir(parents=True)
        (subs / f"s{i}" / EX / "downloader.py").write_text(REFERENCE)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(out),
           "--course", str(course_dir / "course.yml"), "--jobs", "1"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    results = out / ".results"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(results.glob("*/*.json"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = list(results.glob("*/*.json"))
    assert len(finished) >= 2
    for path in finished:
        result = ExerciseResult.from_json(json.loads(path.read_text())["result"])
        assert not any(t.outcome.loses_points for t in result.tests), "a finished result is intact"
    rerun = grade(course_dir, subs, out)
    assert f"reused {len(finished)}" in rerun.stdout or f"reused {len(finished) + 1}" in rerun.stdout
    assert all(full_marks(out, sid) for sid in read_grades(out)), rerun.stdout
