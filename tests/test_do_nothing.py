"""A submission that keeps the contract's names but does no work scores 0 on every exercise.

The do-nothing module is generated from each reference with ``ast``: every
function returns None, every method is ``pass``, classes, names, signatures
and imports are kept.  Its hygiene tests ("nothing left behind", "bad arguments",
"stop is prompt") may pass vacuously; course.yml's ``requires`` withholds their
points, and this proves it through the real grading path.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from grader.batch import Job, run_jobs
from grader.collect import Submission, stage_path
from grader.course import Course, Exercise, load_course
from grader.results import Outcome, Status
from tests.conftest import ROOT

COURSE = load_course(ROOT / "course.yml")


class _DoNothing(ast.NodeTransformer):
    """Functions return None, methods (and ``__init__``) are ``pass``; nothing else changes."""

    def __init__(self) -> None:
        self._in_class = False

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.ClassDef:
        outer, self._in_class = self._in_class, True
        node.body = [self.visit(child) for child in node.body]
        self._in_class = outer
        return node

    def _empty(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
        node.body = [ast.Pass() if self._in_class else ast.Return(ast.Constant(None))]
        return node

    visit_FunctionDef = visit_AsyncFunctionDef = _empty


def do_nothing_source(reference: Path) -> str:
    """The reference with every body emptied, as source text."""
    tree = _DoNothing().visit(ast.parse(reference.read_text(encoding="utf-8")))
    return ast.unparse(ast.fix_missing_locations(tree))


def test_do_nothing_source_keeps_names_and_does_nothing():
    source = do_nothing_source(COURSE.solution_dir(COURSE.exercises["e17_shutdown"]) / "heartbeat.py")
    namespace: dict = {}
    exec(compile(source, "heartbeat.py", "exec"), namespace)  # noqa: S102 - our own reference, emptied
    hb = namespace["Heartbeat"](print, 0.1)
    assert hb.start() is None and hb.stop() is None
    assert "def stop(self, timeout" in source and "Event" not in source.split("class Heartbeat")[1]


def do_nothing_job(course: Course, ex: Exercise, folder: Path) -> Job:
    path = folder / ex.id / f"{ex.module}.py"
    path.parent.mkdir(parents=True)
    path.write_text(do_nothing_source(course.solution_dir(ex) / f"{ex.module}.py"), encoding="utf-8")
    return Job(Submission("do-nothing", path), ex, stage_path(path, ex), "")


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("exercise_id", list(COURSE.exercises))
def test_a_submission_that_does_no_work_scores_0(course, exercise_id, tmp_path):
    ex = course.exercises[exercise_id]
    (result,) = run_jobs(course, [do_nothing_job(course, ex, tmp_path)], jobs=1)
    assert result.status in (Status.GRADED, Status.INCONCLUSIVE, Status.TIMED_OUT), result.message[:1000]
    assert any(t.outcome is Outcome.FAILED for t in result.tests), (
        "no test even ran to an assertion: grading itself broke\n"
        + "\n".join(t.message[:200] for t in result.tests[:3]))
    earned = {t.name: t.points for t in result.tests if t.points}
    assert result.score == 0 and not earned, f"a do-nothing {ex.module}.py earned {earned}"
