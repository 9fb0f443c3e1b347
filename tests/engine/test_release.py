"""`concurlab release`: the handout works on its own and leaks nothing."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.course import Course
from grader.release import ReleaseError, release


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def function_bodies(path: Path) -> list[tuple[str, str]]:
    """(function name, normalised body) of every function of some size in a module."""
    source = path.read_text()
    bodies = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            stmts = node.body[1:] if ast.get_docstring(node) else node.body
            segment = "\n".join(ast.get_source_segment(source, s) or "" for s in stmts)
            # Two-line idioms (a hint may quote one on purpose) are not a leak; whole bodies are.
            if len(_normalise(segment)) >= 80:
                bodies.append((node.name, _normalise(segment)))
    return bodies


def solution_bodies(course: Course) -> list[tuple[str, str]]:
    """Bodies of the references' functions, except those the stub gives away on purpose."""
    found = []
    for ex in course.exercises.values():
        given = {body for _, body in function_bodies(course.exercise_dir(ex) / f"{ex.module}.py")}
        path = course.solution_dir(ex) / f"{ex.module}.py"
        found += [(f"{ex.id}/{path.name}:{name}", body) for name, body in function_bodies(path)
                  if body not in given]
    return found


@pytest.fixture(scope="module")
def handout(course, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("handout")
    release(course, out, force=True)
    return out


def test_no_instructor_file_is_shipped(handout):
    names = {p.relative_to(handout).as_posix() for p in handout.rglob("*") if p.is_file()}
    for forbidden in ("solutions/", "tests/", "course.yml", "grader/run.py", "grader/driver/",
                      "grader/subject/", "grader/probes/"):
        assert not any(n.startswith(forbidden) or n == forbidden for n in names), forbidden


def test_no_reference_function_body_is_shipped(course, handout):
    shipped = {p: _normalise(p.read_text(errors="replace")) for p in handout.rglob("*") if p.is_file()}
    bodies = solution_bodies(course)
    assert bodies, "the check must look at something"
    for where, body in bodies:
        for path, text in shipped.items():
            assert body not in text, f"{path} contains the body of {where}"


def test_release_refuses_a_non_empty_folder(course, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ReleaseError, match="not empty"):
        release(course, tmp_path)


def test_handout_runs_on_its_own(course, handout, tmp_path):
    """With the references dropped in, the handout's own visible tests pass using only what it ships."""
    work = tmp_path / "student"
    shutil.copytree(handout, work)
    for ex in course.exercises.values():
        shutil.copy(course.solution_dir(ex) / f"{ex.module}.py", work / "exercises" / ex.id)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["PYTHONPATH"] = str(work)  # the handout's grader package shadows the installed one
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-p", "no:concurlab", "-p", "no:concurlab_interleave",
         "-p", "grader.student.plugin", "-p", "grader.interleave.pytest_plugin", "exercises"],
        cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "concurlab progress" in proc.stdout
    assert "every exercise passes its visible tests" in proc.stdout
