"""Correct solutions written in another style than the reference keep full marks.

Hidden tests must judge the contract, not the reference's way of writing it:
each file under ``tests/engine/solutions_alt/<id>/`` is graded through the
real pipeline as its folder's exercise and held to the reference's rule
(``grader.selfcheck``: no lost points; a test the machine could not measure
is a regrade, not a loss).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import selfcheck
from grader.batch import Job, run_jobs
from grader.collect import Submission, stage_path
from tests.conftest import ROOT

ALTERNATIVES = sorted((ROOT / "tests/engine/solutions_alt").glob("*/*.py"))


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", ALTERNATIVES, ids=[f"{p.parent.name}/{p.stem}" for p in ALTERNATIVES])
def test_an_independent_correct_solution_scores_full_marks(course, path: Path):
    ex = course.exercises[path.parent.name]
    (result,) = run_jobs(course, [Job(Submission(path.stem, path), ex, stage_path(path, ex), "")], jobs=1)
    problem = selfcheck.reference_problem(result)
    assert problem is None, f"{path.name}: {problem}"
