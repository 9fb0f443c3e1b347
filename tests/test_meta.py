"""Meta-tests, parametrised over course.yml: every hidden test earns its place.

- the reference scores full marks on the hidden tests;
- every mutant loses points on exactly the tests its first line names;
- the stub fails its visible tests, and the reference passes them.

A new exercise is covered by adding it to course.yml: no new test code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.batch import Job, run_jobs
from grader.collect import Submission, stage_path
from grader.course import Course, load_course, mutant_rejects
from tests.conftest import ROOT, run_visible_tests

COURSE = load_course(ROOT / "course.yml")
EXERCISES = list(COURSE.exercises)
MUTANTS = [(ex.id, path.stem) for ex in COURSE.exercises.values()
           for path in sorted(COURSE.mutants_dir(ex).glob("*.py"))]


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
    jobs, keys = [], []
    for exercise_id in wanted:
        ex = course.exercises[exercise_id]
        files = {"reference": course.solution_dir(ex) / f"{ex.module}.py"}
        files |= {p.stem: p for p in sorted(course.mutants_dir(ex).glob("*.py"))}
        # Mutants need no quiet machine: each is rejected by structure, and a timing test it
        # cannot be timed in is a regrade, which the assertions below allow. References that
        # measure speed still run alone.
        shared = ex.model_copy(update={"exclusive": False})
        for name, path in files.items():
            jobs.append(Job(Submission(name, path), ex if name == "reference" else shared,
                            stage_path(path, ex), ""))
            keys.append((exercise_id, name))
    results = dict(zip(keys, run_jobs(course, jobs, jobs=META_JOBS), strict=True))
    return lambda exercise_id: {name: r for (ex_id, name), r in results.items() if ex_id == exercise_id}


def _summary(result: dict) -> str:
    return "\n".join(f"  {t['outcome']:>12} {t['name']}: {t['message'][:300]}" for t in result["tests"])


def _names(result: dict, *outcomes: str) -> set[str]:
    return {t["name"].split("[")[0] for t in result["tests"] if t["outcome"] in outcomes}


#: The first meta-test grades every selected exercise (minutes), so it gets a long timeout.
slow_grading = pytest.mark.timeout(3000)


@slow_grading
@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_reference_scores_full_marks(graded, exercise_id):
    """Every test passes, except one the machine could not measure right now (a regrade)."""
    result = graded(exercise_id)["reference"]
    assert result["status"] in ("graded", "inconclusive"), (
        f"reference {result['status']}: {result['message']}")
    lost = _names(result, "failed", "error", "skipped")
    assert not lost, f"reference lost points:\n{_summary(result)}"
    unmeasured = _names(result, "inconclusive")
    assert len(unmeasured) < len(result["tests"]), "nothing could be measured: no proof at all"


@slow_grading
@pytest.mark.parametrize(("exercise_id", "mutant"), MUTANTS, ids=[f"{e}/{m}" for e, m in MUTANTS])
def test_mutant_is_rejected_by_exactly_its_tests(course, graded, exercise_id, mutant):
    """Fails the tests it names, and only those; a named test may be a regrade, never a pass."""
    ex = course.exercises[exercise_id]
    expected = mutant_rejects(course.mutants_dir(ex) / f"{mutant}.py")
    result = graded(exercise_id)[mutant]
    failed = _names(result, "failed", "error", "skipped")
    unmeasured = _names(result, "inconclusive")
    assert failed, f"mutant {mutant} was not rejected by any test:\n{_summary(result)}"
    assert failed <= expected and expected <= failed | unmeasured, (
        f"mutant {mutant} should fail exactly {sorted(expected)}, failed {sorted(failed)}"
        f"{f' (could not measure {sorted(unmeasured)})' if unmeasured else ''}:\n{_summary(result)}")
    for test in result["tests"]:
        if test["outcome"] != "passed":
            assert test["message"], f"{test['name']} failed {mutant} without a message"


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
