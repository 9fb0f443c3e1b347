"""Gated points: a hygiene test earns its points only when the tests it requires pass."""

from __future__ import annotations

import pytest

from grader.course import CourseError, Exercise, load_course
from grader.driver.records import CollectedTest, DriverLog, FinishedTest
from grader.gating import withhold_gated_points
from grader.results import Outcome, TestResult
from grader.run import score
from tests.conftest import copy_course
from tests.engine.test_course import edit

EXERCISE = Exercise(id="e99_gates", module="m", title="gates",
                    points={"test_results": 2, "test_bad_arguments": 1, "test_other": 1},
                    requires={"test_bad_arguments": ["test_results"]})


def result(name: str, outcome: Outcome = Outcome.PASSED, message: str = "") -> TestResult:
    return TestResult(name, outcome, 1.0 if outcome is Outcome.PASSED else 0.0, 1.0, message)


def by_name(tests: tuple[TestResult, ...]) -> dict[str, TestResult]:
    return {t.name: t for t in tests}


def test_points_kept_when_every_required_test_passes():
    tests = (result("test_results[a]"), result("test_results[b]"), result("test_bad_arguments"))
    assert withhold_gated_points(EXERCISE, tests) == tests


def test_points_withheld_when_one_case_of_a_required_test_fails():
    tests = (result("test_results[a]"), result("test_results[b]", Outcome.FAILED),
             result("test_bad_arguments"), result("test_other"))
    gated = by_name(withhold_gated_points(EXERCISE, tests))
    bad = gated["test_bad_arguments"]
    assert (bad.points, bad.gated_by, bad.outcome) == (0.0, ("test_results",), Outcome.PASSED)
    assert "points withheld until test_results passes" in bad.message
    assert gated["test_other"] == result("test_other"), "a test without requires keeps its points"


@pytest.mark.parametrize("outcome", [Outcome.INCONCLUSIVE, Outcome.ERROR, Outcome.SKIPPED])
def test_a_required_test_that_did_not_pass_gates(outcome):
    gated = by_name(withhold_gated_points(EXERCISE, (result("test_results", outcome),
                                                     result("test_bad_arguments"))))
    assert gated["test_bad_arguments"].points == 0.0


def test_a_failed_test_is_not_marked_as_gated():
    tests = (result("test_results", Outcome.FAILED), result("test_bad_arguments", Outcome.FAILED, "x"))
    assert withhold_gated_points(EXERCISE, tests) == tests


def test_a_required_test_that_never_ran_gates():
    gated = withhold_gated_points(EXERCISE, (result("test_bad_arguments"),))
    assert gated[0].gated_by == ("test_results",) and gated[0].points == 0.0


@pytest.fixture
def tree(tmp_path):
    return copy_course(tmp_path, ["e01_threads_io"])


def test_validate_names_an_unknown_required_test(tree):
    path = edit(tree, lambda d: d["exercises"][0]["requires"].update(
        test_bad_arguments=["test_returns_every_resutl"]))
    with pytest.raises(CourseError, match=r"exercises\[e01_threads_io\]\.requires\.test_bad_arguments: "
                                          r"test_returns_every_resutl is not in points"):
        load_course(path)


def test_validate_refuses_a_required_test_that_is_itself_gated(tree):
    path = edit(tree, lambda d: d["exercises"][0]["requires"].update(
        test_io_overlaps=["test_bad_arguments"]))
    with pytest.raises(CourseError, match=r"requires\.test_io_overlaps: test_bad_arguments is itself gated"):
        load_course(path)


def test_every_exercise_gates_its_hygiene_tests(course):
    """Each exercise names at least one gate, and a gate is never gated (checked on load)."""
    assert all(ex.requires for ex in course.exercises.values())
    assert load_course(course.path).exercises == course.exercises


def test_scoring_withholds_gated_points():
    """run.score applies the gates: the outcome stays, the points and the total do not."""
    log = DriverLog(collected=[CollectedTest(n, n, n) for n in EXERCISE.points],
                    finished={"test_results": FinishedTest("test_results", Outcome.FAILED, "wrong"),
                              "test_bad_arguments": FinishedTest("test_bad_arguments", Outcome.PASSED),
                              "test_other": FinishedTest("test_other", Outcome.PASSED)})
    result = score(EXERCISE, log, False, 60)
    bad = next(t for t in result.tests if t.name == "test_bad_arguments")
    assert (bad.outcome, bad.points, bad.gated_by) == (Outcome.PASSED, 0.0, ("test_results",))
    assert result.score == 1.0
