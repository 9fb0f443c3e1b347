"""The meta-tests' rule: a regrade is never a pass for a mutant nor lost points for a reference."""

from __future__ import annotations

from dataclasses import replace

from grader.results import ExerciseResult, Outcome, Status, TestResult
from grader.selfcheck import Rejects, mutant_problem, reference_problem


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
    expected = Rejects(frozenset({"test_a", "test_b"}))
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
    assert "without a message" in mutant_problem(result, Rejects(frozenset({"test_a"})))


def test_a_mutant_may_also_fail_the_tests_its_luck_line_names():
    """A mutant that deadlocks only when the scheduler is unlucky may fail a plain test too."""
    expected = Rejects(frozenset({"test_a"}), may=frozenset({"test_b"}))
    assert mutant_problem(graded(("test_a", "failed"), ("test_b", "passed")), expected) is None
    assert mutant_problem(graded(("test_a", "failed"), ("test_b", "failed")), expected) is None
    # luck never excuses the named test, nor a test the luck line leaves out
    assert "should fail exactly" in mutant_problem(graded(("test_a", "passed"), ("test_b", "failed")),
                                                   expected)
    assert "should fail exactly" in mutant_problem(
        graded(("test_a", "failed"), ("test_c", "failed")), expected)


def test_the_luck_line_is_read_from_the_mutant_header(tmp_path):
    mutant = tmp_path / "m.py"
    mutant.write_text("# rejects: test_a\n# may also fail: test_b, test_c\nx = 1\n")
    assert Rejects.of(mutant) == Rejects(frozenset({"test_a"}), frozenset({"test_b", "test_c"}))
    mutant.write_text("# rejects: test_a\n\"\"\"docs\"\"\"\n")
    assert Rejects.of(mutant) == Rejects(frozenset({"test_a"}))
    mutant.write_text("x = 1\n")
    assert Rejects.of(mutant) is None
