"""A small graded class for the report pages' tests: a race with its trace, a deadlock,
a speed test, an inconclusive regrade, a late student, and hostile text everywhere."""

from __future__ import annotations

from grader.results import (
    ClassResult,
    ExerciseResult,
    Outcome,
    Speed,
    SpeedRun,
    Status,
    StudentReport,
    TestResult,
    Trace,
    TraceStep,
)

HOSTILE = "<script>alert(1)</script>"

RACE = Trace(("T1", "T2"), (
    TraceStep("T1", "read", "read balance (= 100)", "bank.py:12"),
    TraceStep("T2", "read", "read balance (= 100)", "bank.py:12", key=True),
    TraceStep("T1", "write", "wrote balance (= 90)", "bank.py:13"),
    TraceStep("T2", "write", "wrote balance (= 80)", "bank.py:13"),
), replay="concurlab replay e04 3:1,2", verdict="two threads read balance=100, both wrote back: 10 lost")

DEADLOCK = Trace(("P0", "P1", "P2"), (
    TraceStep("P0", "acquire", "fork 0", "philosophers.py:20"),
    TraceStep("P1", "acquire", "fork 1", "philosophers.py:20"),
    TraceStep("P2", "acquire", "fork 2", "philosophers.py:20"),
    TraceStep("P0", "wait", "fork 1", "philosophers.py:21", key=True),
), cycle=("P0", "P1", "P2"), verdict="every philosopher holds one fork and waits for the next")

SPEED = Speed((SpeedRun("serial", 2.0), SpeedRun("reference", 1.05, 2), SpeedRun("student", 1.9, 2)),
              cpus=2, parallel_fraction=0.95)


def _e04(ok: bool) -> ExerciseResult:
    tests = (TestResult("test_money_is_conserved", Outcome.PASSED if ok else Outcome.FAILED,
                        2.0 if ok else 0.0, 2.0, "" if ok else f"money lost {HOSTILE}",
                        trace=None if ok else RACE),
             TestResult("test_bad_arguments", Outcome.PASSED, 0.0 if not ok else 1.0, 1.0,
                        gated_by=() if ok else ("test_money_is_conserved",)))
    return ExerciseResult("e04_bank_transfer", Status.GRADED, sum(t.points for t in tests), 3.0, tests)


def _e15(ok: bool) -> ExerciseResult:
    tests = (TestResult("test_never_deadlocks", Outcome.PASSED if ok else Outcome.FAILED,
                        3.0 if ok else 0.0, 3.0, "" if ok else "deadlock", trace=None if ok else DEADLOCK),)
    return ExerciseResult("e15_philosophers", Status.GRADED, tests[0].points, 3.0, tests)


def _e02(inconclusive: bool) -> ExerciseResult:
    test = TestResult("test_faster_than_serial", Outcome.INCONCLUSIVE if inconclusive else Outcome.FAILED,
                      0.0, 1.0, "only 1 usable CPU: regrade" if inconclusive else "1.05x, needs 1.4x",
                      speed=SPEED, leaks=("pid 4242: started at primes.py:30",))
    status = Status.INCONCLUSIVE if inconclusive else Status.GRADED
    return ExerciseResult("e02_processes_cpu", status, 0.0, 1.0, (test,), sandbox="off")


def sample_class() -> ClassResult:
    return ClassResult.of([
        StudentReport.build("ada", {"e04_bank_transfer": _e04(True), "e15_philosophers": _e15(True),
                                    "e02_processes_cpu": _e02(True)}),
        StudentReport.build(HOSTILE, {"e04_bank_transfer": _e04(False), "e15_philosophers": _e15(False),
                                      "e02_processes_cpu": _e02(False)}, days_late=1, penalty=0.1),
    ])
