"""From the driver's results file to an ExerciseResult: points, statuses, torn lines, tampering."""

from __future__ import annotations

from pathlib import Path

from grader.course import Exercise
from grader.driver import records
from grader.driver.records import (
    CollectedTest,
    CollectedTests,
    DriverLog,
    FinishedTest,
    TamperingEvidence,
)
from grader.results import Outcome, Status
from grader.run import score, void

EX = Exercise(id="e99_demo", module="demo", title="Demo", points={"test_a": 2, "test_b": 1})


def _log(path: Path, *finished: FinishedTest, torn: bool = False) -> DriverLog:
    cases = [CollectedTest(f"t.py::test_a[{i}]", f"test_a[{i}]", "test_a") for i in range(3)]
    records.append(path, CollectedTests((*cases, CollectedTest("t.py::test_b", "test_b", "test_b"))))
    for test in finished:
        records.append(path, test)
    if torn:
        with open(path, "a") as f:
            f.write('{"nodeid": "t.py::test_b", "outc')
    return DriverLog.read(path)


def test_cases_share_their_functions_points_and_unfinished_tests_fail(tmp_path: Path):
    log = _log(tmp_path / "r.jsonl", *(FinishedTest(f"t.py::test_a[{i}]", Outcome.PASSED) for i in range(3)),
               torn=True)
    result = score(EX, log, timed_out=False, budget=10)
    assert result.status is Status.GRADED and result.score == 2.0 and result.max_score == 3.0
    assert result.tests[-1].outcome is Outcome.FAILED and "ended early" in result.tests[-1].message
    timed_out = score(EX, log, timed_out=True, budget=10)
    assert timed_out.status is Status.TIMED_OUT and "timed out after 10 s" in timed_out.tests[-1].message


def test_an_unmeasured_test_makes_the_exercise_pending(tmp_path: Path):
    log = _log(tmp_path / "r.jsonl", FinishedTest("t.py::test_b", Outcome.INCONCLUSIVE, "busy"))
    result = score(EX, log, timed_out=False, budget=10)
    assert result.status is Status.INCONCLUSIVE and result.regrade_needed


def test_tampering_voids_the_exercise_and_keeps_the_evidence(tmp_path: Path):
    path = tmp_path / "r.jsonl"
    log = _log(path, FinishedTest("t.py::test_b", Outcome.PASSED))
    records.append(path, TamperingEvidence("t.py::test_b", ("patched time.monotonic",)))
    log = DriverLog.read(path)
    assert log.evidence() == ["test_b: patched time.monotonic"]
    result = void(score(EX, log, timed_out=False, budget=10), log.evidence())
    assert result.status is Status.TAMPERING and result.score == 0
    assert all(t.points == 0 and "patched time.monotonic" in t.message for t in result.tests)
