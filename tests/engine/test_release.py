"""`concurlab release`: the handout works on its own and leaks nothing."""

from __future__ import annotations

import ast
import glob
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from grader.course import Course
from grader.release import (
    ROOT_PYPROJECT,
    ReleaseError,
    grader_imports,
    pinned_requirements,
    release,
    source_of,
)


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


#: Engine parts a student never needs (probes ship only as far as visible tests import them).
INSTRUCTOR_ONLY = ("solutions/", "tests/", "course.yml", "grader/run.py", "grader/batch.py",
                   "grader/store.py", "grader/report.py", "grader/driver/", "grader/subject/",
                   "grader/selfcheck.py", "grader/release.py", "grader/probes/faults.py",
                   "grader/probes/speedup.py")


def test_no_instructor_file_is_shipped(handout):
    names = {p.relative_to(handout).as_posix() for p in handout.rglob("*") if p.is_file()}
    for forbidden in INSTRUCTOR_ONLY:
        assert not any(n.startswith(forbidden) or n == forbidden for n in names), forbidden
    assert not any("mutant" in n for n in names), "a mutant was shipped"


def test_everything_the_visible_tests_import_is_shipped(handout):
    """Each ``grader`` module a shipped file imports is in the handout (no instructor install needed)."""
    imported = {name for path in handout.rglob("*.py") for name in grader_imports(path, handout)}
    assert "grader.probes.memory" in imported, "the check must see the visible tests' imports"
    modules = {name for name in imported if source_of(name) is not None}
    for name in modules:
        base = handout.joinpath(*name.split("."))
        assert base.with_suffix(".py").is_file() or (base / "__init__.py").is_file(), (
            f"a shipped file imports {name}, which the handout lacks")


def test_the_handout_pins_what_the_root_pyproject_pins(handout):
    shipped = tomllib.loads((handout / "pyproject.toml").read_text())["project"]["dependencies"]
    root = tomllib.loads(ROOT_PYPROJECT.read_text())["project"]["dependencies"]
    assert shipped and set(shipped) <= set(root)
    assert any(d.startswith("psutil==") for d in shipped), "visible tests import psutil"


def test_an_unpinned_handout_dependency_is_a_clear_error(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\ndependencies = ["pytest==9.2.0"]\n')
    assert pinned_requirements(["pytest"], pyproject) == ["pytest==9.2.0"]
    with pytest.raises(ReleaseError, match="pins no psutil"):
        pinned_requirements(["pytest", "psutil"], pyproject)


def test_no_reference_function_body_is_shipped(course, handout):
    shipped = {p: _normalise(p.read_text(errors="replace")) for p in handout.rglob("*") if p.is_file()}
    bodies = solution_bodies(course)
    assert bodies, "the check must look at something"
    for where, body in bodies:
        for path, text in shipped.items():
            assert body not in text, f"{path} contains the body of {where}"


def reference_lines(course: Course) -> list[tuple[str, str]]:
    """(where, line) for each reference line of more than 40 characters that its stub lacks.

    Import lines are left out: naming a library module gives no answer away.
    """
    found = []
    for ex in course.exercises.values():
        stub = {line.strip() for line in
                (course.exercise_dir(ex) / f"{ex.module}.py").read_text().splitlines()}
        for line in (course.solution_dir(ex) / f"{ex.module}.py").read_text().splitlines():
            code = line.strip()
            if len(code) > 40 and code not in stub and not code.startswith(("import ", "from ")):
                found.append((f"{ex.id}/{ex.module}.py", line.strip()))
    return found


def test_no_long_reference_line_is_shipped(course, handout):
    lines = reference_lines(course)
    assert len(lines) > 50, "the check must look at something"
    shipped = {p: p.read_text(errors="replace") for p in handout.rglob("*") if p.is_file()}
    leaks = [f"{path.relative_to(handout)} quotes {where}: {line}"
             for where, line in lines for path, text in shipped.items() if line in text]
    assert not leaks, "\n".join(leaks)


def test_release_refuses_a_non_empty_folder(course, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ReleaseError, match="not empty"):
        release(course, tmp_path)


def interpreters() -> list[str]:
    found = [sys.executable]
    found += sorted(glob.glob("/root/.pyenv/versions/3.13*/bin/python3"))[:1]
    return found


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("python", interpreters(), ids=lambda p: "py" + p.split("/versions/")[-1][:4]
                         if "/versions/" in p else "this-python")
def test_a_fresh_install_of_the_handout_passes_with_the_references(course, handout, tmp_path, python):
    """Set up exactly as the handout README says, in a new venv: the references pass every visible test."""
    work = tmp_path / "student"
    shutil.copytree(handout, work)
    for ex in course.exercises.values():
        shutil.copy(course.solution_dir(ex) / f"{ex.module}.py", work / "exercises" / ex.id)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST", "VIRTUAL_ENV", "PYTHON"))}
    subprocess.run([python, "-m", "venv", ".venv"], cwd=work, check=True, timeout=120)
    install = subprocess.run([".venv/bin/python", "-m", "pip", "install", "--quiet", "-e", "."],
                             cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr[-3000:]
    proc = subprocess.run([".venv/bin/pytest", "exercises/"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "concurlab progress" in proc.stdout
    assert "every exercise passes its visible tests" in proc.stdout
