"""Shared fixtures for the engine's own tests and the course meta-tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
