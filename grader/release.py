"""``concurlab release OUT``: the student handout, and nothing an instructor keeps.

The handout holds ``exercises/`` (stubs, visible tests, READMEs), the student
part of the engine (the progress plugin, hints, instruments, the interleaving
explorer the visible tests use) and a minimal pyproject.  Solutions, hidden
tests, mutants, course.yml and the grading engine stay behind.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.course import Course

#: The parts of the ``grader`` package that visible tests and students use.
STUDENT_PACKAGES = ["__init__.py", "environment.py", "instruments.py", "student", "interleave"]

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "concurlab-handout"
version = "{version}"
description = "{name}: exercises"
requires-python = ">=3.11"
dependencies = ["pytest==9.2.0", "pytest-timeout==2.4.0", "click==8.5.1"]

[project.scripts]
concurlab = "grader.student.cli:main"

[project.entry-points.pytest11]
concurlab = "grader.student.plugin"
concurlab_interleave = "grader.interleave.pytest_plugin"

[tool.setuptools.packages.find]
include = ["grader*"]

[tool.pytest.ini_options]
testpaths = ["exercises"]
timeout = 120
"""

README = """\
# {name}

Exercises in Python concurrency, one folder each under `exercises/`, in teaching order.

    python3 -m venv .venv && . .venv/bin/activate
    pip install -e .
    pytest exercises/                 # all exercises, with a progress table at the end
    pytest exercises/{first}    # one exercise
    concurlab hint {first}       # stuck? hints come in tiers: --level 2, --level 3

Each folder has a README.md (the story, the concept, what to do), the module you complete,
and its visible tests. Your instructor grades with more tests than these: make the visible
ones pass, then think about what else could go wrong when threads interleave.
"""

IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


class ReleaseError(Exception):
    pass


def release(course: Course, out: Path, *, force: bool = False) -> list[Path]:
    """Write the handout to ``out``; returns the files written."""
    if out.exists() and any(out.iterdir()):
        if not force:
            raise ReleaseError(f"{out} is not empty. Fix: choose a new folder or pass --force")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    for ex in course.exercises.values():
        shutil.copytree(course.exercise_dir(ex), out / "exercises" / ex.id, ignore=IGNORE)
    package = Path(__file__).resolve().parent
    for part in STUDENT_PACKAGES:
        src = package / part
        if src.is_dir():
            shutil.copytree(src, out / "grader" / part, ignore=IGNORE)
        elif src.is_file():
            (out / "grader").mkdir(exist_ok=True)
            shutil.copy2(src, out / "grader" / part)
    from grader import __version__

    first = next(iter(course.exercises))
    (out / "pyproject.toml").write_text(PYPROJECT.format(version=__version__, name=course.name))
    (out / "README.md").write_text(README.format(name=course.name, first=first))
    return sorted(p for p in out.rglob("*") if p.is_file())
