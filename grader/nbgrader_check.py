"""What an nbgrader notebook's test cells call: concurlab grading from inside the kernel.

The solution cell writes the student's module beside the notebook
(``%%writefile counter.py``); a hidden test cell calls :func:`hidden` with its
test function, which grades the module with the real engine (driver and
subject processes, sandbox, explorer) once per notebook and returns the
function's points: nbgrader takes a number a test cell evaluates to as its
(partial) score, so the notebook gives the same points as ``concurlab grade``.
Nothing goes to stderr (nbgrader scores a cell that writes there as 0).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

from grader import environment
from grader.course import Course, load_course
from grader.results import ExerciseResult, Outcome, Status

#: Set it to move the course (course.yml) the notebooks were built from.

_results: dict[tuple[str, str], ExerciseResult] = {}


class NotebookCheckError(AssertionError):
    """The hidden test did not pass; the message is the feedback."""


def _course(course_yml: str) -> Course:
    return load_course(os.environ.get(environment.COURSE, course_yml))


def _grade(course: Course, exercise_id: str) -> dict:
    from grader.collect import stage_path
    from grader.run import GradeOptions, grade

    ex = course.exercises[exercise_id]
    module = Path.cwd() / f"{ex.module}.py"
    if not module.is_file():
        raise NotebookCheckError(f"no {module.name} beside the notebook: run the solution cell "
                                 f"(it starts with %%writefile {module.name})")
    key = (exercise_id, hashlib.sha256(module.read_bytes()).hexdigest())
    if key not in _results:
        with warnings.catch_warnings(), contextlib.redirect_stderr(sys.stdout):
            warnings.simplefilter("ignore")
            _results[key] = grade(course, ex, stage_path(module, ex), GradeOptions())
    return _results[key]


def hidden(course_yml: str, exercise_id: str, function: str) -> float:
    """The points the hidden test ``function`` earns; raises (0 points) with the feedback."""
    course = _course(course_yml)
    result = _grade(course, exercise_id)
    tests = [t for t in result.tests if t.function == function]
    if not tests:
        raise NotebookCheckError(f"{function} did not run: {result.message}".strip())
    earned = round(sum(t.points for t in tests), 6)
    for test in tests:
        if test.outcome is Outcome.INCONCLUSIVE:
            print(f"INCONCLUSIVE {test.name}: this machine could not measure it; autograde "
                  "again on a quieter machine (or grade this cell by hand)")
        elif test.outcome is not Outcome.PASSED:
            print(f"FAIL {test.name}: {test.message}")
    if earned == 0:
        raise NotebookCheckError(f"{function}: 0 points (see above)"
                                 + (f"; {result.status}: {result.message}"
                                    if result.status is not Status.GRADED and result.message else ""))
    return earned


def visible(course_yml: str, exercise_id: str) -> None:
    """Run the exercise's visible tests on the module, as a student would with pytest."""
    import shutil

    course = _course(course_yml)
    ex = course.exercises[exercise_id]
    module = Path.cwd() / f"{ex.module}.py"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / exercise_id
        shutil.copytree(course.exercise_dir(ex), work, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(module, work / module.name)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_CURRENT")}
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               "-p", "no:concurlab", "-c", os.devnull, "--rootdir", str(work), str(work)],
                              capture_output=True, text=True, cwd=work, env=env, timeout=600)
    print(proc.stdout[-3000:])
    if proc.returncode != 0:
        raise NotebookCheckError("the visible tests fail (see above)")
