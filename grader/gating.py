"""Points that must be earned together with correct results on the same exercise.

A hygiene test ("nothing left behind", "bad arguments rejected", "stop is
prompt", a speed test) passes vacuously when the submission does no work at
all, so course.yml says, per exercise, which correctness tests each one
``requires``.  Grading keeps every test's outcome (the self-check and the
feedback still say what passed) and withholds only the points of a test whose
required tests did not all pass, naming them in ``gated_by``.
"""

from __future__ import annotations

from dataclasses import replace

from grader.course import Exercise
from grader.results import Outcome, TestResult


def withhold_gated_points(ex: Exercise, tests: tuple[TestResult, ...]) -> tuple[TestResult, ...]:
    """``tests`` with the points of every test whose requirements did not all pass set to 0.

    A required test passes when each of its (parametrised) cases passed; one that
    was not collected at all has not passed.  A test that earned nothing anyway is
    left as it is: nothing was withheld from it.
    """
    cases: dict[str, list[TestResult]] = {}
    for test in tests:
        cases.setdefault(test.function, []).append(test)

    def passed(function: str) -> bool:
        return bool(cases.get(function)) and all(t.outcome is Outcome.PASSED for t in cases[function])

    gated = []
    for test in tests:
        missing = tuple(name for name in ex.requires.get(test.function, ()) if not passed(name))
        if missing and test.points:
            note = f"points withheld until {', '.join(missing)} pass{'es' if len(missing) == 1 else ''}"
            test = replace(test, points=0.0, gated_by=missing,
                           message=f"{test.message}\n{note}" if test.message else note)
        gated.append(test)
    return tuple(gated)
