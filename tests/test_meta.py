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


@pytest.fixture(scope="session")
def graded(course: Course):
    """Grade an exercise's reference and all its mutants once, two jobs at a time."""
    cache: dict[str, dict[str, dict]] = {}

    def get(exercise_id: str) -> dict[str, dict]:
        if exercise_id not in cache:
            ex = course.exercises[exercise_id]
            files = {"reference": course.solution_dir(ex) / f"{ex.module}.py"}
            files |= {p.stem: p for p in sorted(course.mutants_dir(ex).glob("*.py"))}
            jobs = [Job(Submission(name, path), ex, stage_path(path, ex), "")
                    for name, path in files.items()]
            results = run_jobs(course, jobs, jobs=2)
            cache[exercise_id] = dict(zip(files, results, strict=True))
        return cache[exercise_id]

    return get


def _summary(result: dict) -> str:
    return "\n".join(f"  {t['outcome']:>12} {t['name']}: {t['message'][:300]}" for t in result["tests"])


@pytest.mark.parametrize("exercise_id", EXERCISES)
def test_reference_scores_full_marks(graded, exercise_id):
    result = graded(exercise_id)["reference"]
    assert result["status"] == "graded", f"reference {result['status']}: {result['message']}"
    assert result["score"] == result["max_score"], f"reference lost points:\n{_summary(result)}"


@pytest.mark.parametrize(("exercise_id", "mutant"), MUTANTS, ids=[f"{e}/{m}" for e, m in MUTANTS])
def test_mutant_is_rejected_by_exactly_its_tests(course, graded, exercise_id, mutant):
    ex = course.exercises[exercise_id]
    expected = mutant_rejects(course.mutants_dir(ex) / f"{mutant}.py")
    result = graded(exercise_id)[mutant]
    failed = {t["name"].split("[")[0] for t in result["tests"] if t["outcome"] != "passed"}
    assert result["score"] < result["max_score"], f"mutant {mutant} scored full marks"
    assert failed == expected, (
        f"mutant {mutant} should fail exactly {sorted(expected)}, failed {sorted(failed)}:\n"
        f"{_summary(result)}")
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
