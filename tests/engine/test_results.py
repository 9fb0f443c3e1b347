"""grader.results: records round-trip through JSON, and old report.json files still read."""

from __future__ import annotations

import json

import pytest

from grader.results import (
    ClassResult,
    ExerciseResult,
    Outcome,
    ResultsError,
    Speed,
    SpeedRun,
    Status,
    StudentReport,
    TestResult,
    Trace,
    TraceStep,
)


def _exercise() -> ExerciseResult:
    trace = Trace(("T1", "T2"), (TraceStep("T1", "read", "balance=100", "bank.py:12"),
                                 TraceStep("T2", "write", "balance=90", "bank.py:14", key=True)),
                  replay="--concurlab-replay=abc", verdict="a deposit was lost")
    speed = Speed((SpeedRun("serial", 2.0), SpeedRun("student", 1.1, 2)), cpus=2, parallel_fraction=0.95)
    tests = (TestResult("test_a", Outcome.PASSED, 2.0, 2.0, duration=0.5),
             TestResult("test_b[1]", Outcome.FAILED, 0.0, 1.0, "lost", trace=trace),
             TestResult("test_c", Outcome.INCONCLUSIVE, 0.0, 1.0, "busy", speed=speed,
                        gated_by=("test_a",), leaks=("pid 7: started at x.py:3",)))
    return ExerciseResult("e04_bank_transfer", Status.INCONCLUSIVE, 2.0, 4.0, tests, duration=3.0,
                          sandbox="bubblewrap", seed=7)


def test_exercise_result_round_trips():
    result = _exercise()
    assert ExerciseResult.from_json(json.loads(json.dumps(result.to_json()))) == result
    assert result.regrade_needed and result.tests[1].function == "test_b"


def test_student_report_totals_and_late_penalty():
    rep = StudentReport.build("ada", {"e04_bank_transfer": _exercise()}, days_late=2, penalty=0.2)
    assert (rep.raw_total, rep.total, rep.max_total) == (2.0, 1.6, 4.0)
    data = json.loads(json.dumps(rep.to_json()))
    assert data["schema"] == 1 and data["late"]["total_before_penalty"] == 2.0
    assert StudentReport.from_json(data) == rep and not rep.final


def test_report_json_written_before_the_schema_still_reads():
    old = {"student_id": "ada", "total": 1.0, "max_total": 2.0, "exercises": {"e01_threads_io": {
        "score": 1.0, "max_score": 2.0, "status": "graded", "message": "",
        "tests": [{"name": "t", "outcome": "passed", "points": 1.0, "max_points": 2.0, "message": ""}]}}}
    rep = StudentReport.from_json(old)
    assert rep.exercises["e01_threads_io"].exercise == "e01_threads_io" and rep.total == 1.0


def test_a_newer_schema_is_refused_with_the_fix():
    with pytest.raises(ResultsError, match="regrade"):
        StudentReport.from_json({"schema": 99, "student_id": "a", "exercises": {}})


def test_class_result_loads_a_folder_and_names_the_problem(tmp_path):
    with pytest.raises(ResultsError, match="no graded results"):
        ClassResult.load(tmp_path)
    for sid in ("bo", "al"):
        (tmp_path / sid).mkdir()
        rep = StudentReport.build(sid, {"e04_bank_transfer": _exercise()})
        (tmp_path / sid / "report.json").write_text(json.dumps(rep.to_json()))
    loaded = ClassResult.load(tmp_path)
    assert [r.student_id for r in loaded.students] == ["al", "bo"]
    assert loaded.exercise_ids == ("e04_bank_transfer",)
    (tmp_path / "bo" / "report.json").write_text("{")
    with pytest.raises(ResultsError, match="bo/report.json"):
        ClassResult.load(tmp_path)


def test_status_says_what_is_final():
    assert Status.GRADED.final and not Status.INCONCLUSIVE.final and not Status.GRADER_ERROR.final
    assert Status("graded") == "graded" and not Status.NOT_SUBMITTED.ran
    assert Outcome.SKIPPED.loses_points and not Outcome.INCONCLUSIVE.loses_points
