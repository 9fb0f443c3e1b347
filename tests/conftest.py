"""Shared fixtures for the engine's own tests and the course meta-tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grader.course import Course, load_course

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def course() -> Course:
    return load_course(ROOT / "course.yml")


def run_visible_tests(course: Course, exercise_id: str, module_file: Path, tmp: Path) -> subprocess.CompletedProcess:
    """Run an exercise's visible tests against ``module_file``, as a student would."""
    ex = course.exercises[exercise_id]
    work = tmp / exercise_id
    shutil.copytree(course.exercise_dir(ex), work, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(module_file, work / f"{ex.module}.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:concurlab",
         "--rootdir", str(work), "-c", os.devnull, str(work)],
        capture_output=True, text=True, cwd=work, env=env, timeout=300,
    )


def copy_course(dest: Path, exercise_ids: list[str], **overrides) -> Path:
    """A copy of the real course with only some exercises (settings overridden), to break or grade."""
    for ex_id in exercise_ids:
        for part in ("exercises", "solutions", "tests/hidden", "tests/mutants"):
            if (ROOT / part / ex_id).is_dir():
                shutil.copytree(ROOT / part / ex_id, dest / part / ex_id,
                                ignore=shutil.ignore_patterns("__pycache__"))
    data = yaml.safe_load((ROOT / "course.yml").read_text())
    data["exercises"] = [dict(e, **overrides) for e in data["exercises"] if e["id"] in exercise_ids]
    (dest / "course.yml").write_text(yaml.safe_dump(data, sort_keys=False))
    return dest


def edit_course(folder: Path, change) -> None:
    """Change a copied course's course.yml in place: ``change`` edits the parsed data."""
    path = folder / "course.yml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
