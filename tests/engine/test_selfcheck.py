"""The meta-tests' rule: a regrade is never a pass for a mutant nor lost points for a reference."""

from __future__ import annotations

from dataclasses import replace

from grader.results import ExerciseResult, Outcome, Status, TestResult
from grader.selfcheck import mutant_problem, reference_problem


def graded(*tests: tuple[str, str], status: str = "graded") -> ExerciseResult:
    return ExerciseResult("e00_x", Status(status), 0.0, float(len(tests)), tuple(
        TestResult(name, Outcome(outcome), 0.0, 1.0, "" if outcome == "passed" else f"{name} said why")
        for name, outcome in tests))


def test_reference_may_be_regraded_but_never_lose_points():
    assert reference_problem(graded(("test_a", "passed"), ("test_b[x]", "inconclusive"))) is None
    assert "lost points" in reference_problem(graded(("test_a", "passed"), ("test_b", "failed")))
    assert "skipped" in reference_problem(graded(("test_a", "skipped")))
    assert "no proof" in reference_problem(graded(("test_a", "inconclusive")))
    assert "tampering" in reference_problem(graded(("test_a", "passed"), status="tampering"))


def test_mutant_fails_exactly_its_tests():
    expected = {"test_a", "test_b"}
    assert mutant_problem(graded(("test_a[1]", "failed"), ("test_a[2]", "passed"),
                                 ("test_b", "error"), ("test_c", "passed")), expected) is None
    # a named test the machine could not measure is a regrade, not a pass
    assert mutant_problem(graded(("test_a", "failed"), ("test_b", "inconclusive")), expected) is None
    assert "should fail exactly" in mutant_problem(graded(("test_a", "failed"), ("test_b", "passed")),
                                                   expected)
    assert "should fail exactly" in mutant_problem(
        graded(("test_a", "failed"), ("test_b", "failed"), ("test_c", "failed")), expected)
    assert "not rejected" in mutant_problem(graded(("test_a", "inconclusive"), ("test_b", "passed")),
                                            expected)


def test_every_failure_says_why():
    result = graded(("test_a", "failed"))
    result = replace(result, tests=(replace(result.tests[0], message=""),))
    assert "without a message" in mutant_problem(result, {"test_a"})
