"""Meta-tests, parametrised over course.yml: every hidden test earns its place.

- the reference scores full marks on the hidden tests;
- every mutant loses points on exactly the tests its first line names;
- the stub fails its visible tests, and the reference passes them.

A new exercise is covered by adding it to course.yml: no new test code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import selfcheck
from grader.batch import run_jobs
from grader.course import Course, load_course
from tests.conftest import ROOT, run_visible_tests

COURSE = load_course(ROOT / "course.yml")
EXERCISES = list(COURSE.exercises)
MUTANTS = [(ex.id, name) for ex in COURSE.exercises.values()
           for name in selfcheck.subjects(COURSE, ex) if name != "reference"]


#: Grading jobs at once. Hanging mutants mostly wait, so more jobs than cores pay off;
#: exercises marked `exclusive` (they measure speed) still run alone.
META_JOBS = 3


@pytest.fixture(scope="session")
def graded(course: Course, request: pytest.FixtureRequest):
    """Grade the reference and every mutant of each exercise this session selected, in one pool."""
    wanted = sorted({item.callspec.params["exercise_id"] for item in request.session.items
                     if item.module is not None and item.module.__name__ == __name__
                     and "graded" in getattr(item, "fixturenames", ())
                     and "exercise_id" in getattr(getattr(item, "callspec", None), "params", {})})
    expected = {(exercise_id, name): rejects for exercise_id in wanted
                for name, rejects in selfcheck.subjects(course, course.exercises[exercise_id]).items()}
    keys = list(expected)
    jobs = [selfcheck.job(course, course.exercises[exercise_id], name) for exercise_id, name in keys]
    results = dict(zip(keys, run_jobs(course, jobs, jobs=META_JOBS), strict=True))
    # Regraded one at a time: alone on the machine, as an instructor's regrade would be.
    again = [key for key in keys if selfcheck.needs_quiet_regrade(results[key], expected[key])]
    regrades = [selfcheck.job(course, course.exercises[ex_id], name) for ex_id, name in again]
    results |= dict(zip(again, run_jobs(course, regrades, jobs=1), strict=True))
    return lambda exercise_id: {name: r for (ex_id, name), r in results.items() if ex_id == exercise_id}


#: The first meta-test grades every selected exercise (minutes), so it gets a long timeout.
slow_grading = pytest.mark.timeout(3000)


@slow_grading
@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_reference_scores_full_marks(graded, exercise_id):
    """Every test passes, except one the machine could not measure right now (a regrade)."""
    problem = selfcheck.problem(graded(exercise_id)["reference"], None)
    assert problem is None, problem


@slow_grading
@pytest.mark.parametrize(("exercise_id", "mutant"), MUTANTS, ids=[f"{e}/{m}" for e, m in MUTANTS])
def test_mutant_is_rejected_by_exactly_its_tests(course, graded, exercise_id, mutant):
    """Fails the tests it names, and only those; a named test may be a regrade, never a pass."""
    ex = course.exercises[exercise_id]
    problem = selfcheck.problem(graded(exercise_id)[mutant], selfcheck.subjects(course, ex)[mutant])
    assert problem is None, f"mutant {mutant}: {problem}"


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_stub_fails_its_visible_tests(course, exercise_id, tmp_path):
    ex = course.exercises[exercise_id]
    proc = run_visible_tests(course, exercise_id, course.exercise_dir(ex) / f"{ex.module}.py", tmp_path)
    assert proc.returncode == 1, f"the stub should fail its visible tests:\n{proc.stdout[-3000:]}"


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_reference_passes_its_visible_tests(course, exercise_id, tmp_path: Path):
    ex = course.exercises[exercise_id]
    proc = run_visible_tests(course, exercise_id, course.solution_dir(ex) / f"{ex.module}.py", tmp_path)
    assert proc.returncode == 0, f"the reference fails visible tests:\n{proc.stdout[-3000:]}"
