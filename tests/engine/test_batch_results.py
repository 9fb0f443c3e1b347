"""The batch with typed results: stored, reused, regraded when pending, reported with statuses."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import grader.batch
from grader.batch import grade_class
from grader.course import load_course
from grader.results import ExerciseResult, Outcome, Status, StudentReport, TestResult
from tests.conftest import ROOT, copy_course

EX = "e01_threads_io"


@pytest.fixture
def setup(tmp_path: Path, monkeypatch):
    course = load_course(copy_course(tmp_path / "course", [EX]) / "course.yml")
    subs = tmp_path / "subs"
    (subs / "ada" / EX).mkdir(parents=True)
    (subs / "ada" / EX / "downloader.py").write_text((ROOT / "solutions" / EX / "downloader.py").read_text())
    statuses: list[Status] = []
    calls: list[str] = []

    def fake_grade(course, ex, staged, options) -> ExerciseResult:
        calls.append(ex.id)
        status = statuses.pop(0)
        outcome = Outcome.INCONCLUSIVE if status is Status.INCONCLUSIVE else Outcome.PASSED
        tests = (TestResult("test_returns_every_result", Outcome.PASSED, 2.0, 2.0),
                 TestResult("test_io_overlaps", outcome, 1.0 if outcome is Outcome.PASSED else 0.0, 1.0))
        return ExerciseResult(ex.id, status, sum(t.points for t in tests), ex.max_score, tests, seed=options.seed)

    monkeypatch.setattr(grader.batch, "grade", fake_grade)
    return course, subs, tmp_path / "out", statuses, calls


def test_pending_results_are_regraded_on_request_and_final_ones_reused(setup):
    course, subs, out, statuses, calls = setup
    statuses += [Status.INCONCLUSIVE, Status.GRADED]
    first = grade_class(course, subs, out, exercise_ids=[EX])
    assert (first.graded, first.reused) == (1, 0)
    assert isinstance(first.reports[0], StudentReport) and not first.reports[0].final
    again = grade_class(course, subs, out, exercise_ids=[EX])
    assert (again.graded, again.reused) == (0, 1), "unchanged work is reused, pending or not"
    regraded = grade_class(course, subs, out, exercise_ids=[EX], regrade_inconclusive=True)
    assert (regraded.graded, regraded.reused) == (1, 0) and regraded.reports[0].final
    final = grade_class(course, subs, out, exercise_ids=[EX], regrade_inconclusive=True)
    assert (final.graded, final.reused) == (0, 1) and len(calls) == 2


def test_reports_carry_typed_results_and_statuses(setup):
    course, subs, out, statuses, _ = setup
    statuses.append(Status.INCONCLUSIVE)
    grade_class(course, subs, out, exercise_ids=[EX])
    report = StudentReport.from_json(json.loads((out / "ada" / "report.json").read_text()))
    assert report.exercises[EX].status is Status.INCONCLUSIVE and report.exercises[EX].tests[1].message == ""
    with open(out / "grades.csv") as f:
        rows = list(csv.DictReader(f))
    assert rows == [{"student_id": "ada", EX: "2", f"{EX}_status": "inconclusive",
                     "total": "2", "max_total": f"{course.exercises[EX].max_score:g}"}]
