"""``concurlab release OUT``: the student handout, and nothing an instructor keeps.

The handout holds ``exercises/`` (stubs, visible tests, READMEs, the course map),
the student part of the engine (the progress plugin, hints and student commands,
instruments, the interleaving explorer) plus every other ``grader`` module the
visible tests import, and a pyproject whose pins are the root pyproject's.
Solutions, hidden tests, mutants, course.yml and the grading engine stay behind.
"""

from __future__ import annotations

import ast
import re
import shutil
import tomllib
from pathlib import Path

from grader.course import Course

PACKAGE = Path(__file__).resolve().parent

#: The parts of the ``grader`` package that students use directly.
STUDENT_PARTS = ["__init__.py", "environment.py", "instruments.py", "student", "interleave"]

#: What the handout installs: the visible tests' runner and imports, and the student commands.
HANDOUT_DEPENDENCIES = ["pytest", "pytest-timeout", "click", "psutil", "watchfiles"]

#: The root pyproject.toml, where every pin of the project is kept.
ROOT_PYPROJECT = PACKAGE.parent / "pyproject.toml"

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "concurlab-handout"
version = "{version}"
description = "{name}: exercises"
requires-python = ">=3.11"
dependencies = {dependencies}

[project.scripts]
concurlab = "grader.student.cli:main"

[project.entry-points.pytest11]
concurlab = "grader.student.plugin"
concurlab_interleave = "grader.interleave.pytest_plugin"

[tool.setuptools.packages.find]
include = ["grader*"]

[tool.pytest.ini_options]
testpaths = ["exercises"]
addopts = "-p no:cacheprovider"
"""

README = """\
# {name}

Exercises in Python concurrency, one folder each under `exercises/`, in teaching order
(`exercises/README.md` is the map, when your course ships one).

    python3 -m venv .venv && . .venv/bin/activate
    pip install -e .
    pytest exercises/                 # all exercises, then a progress table and the next one
    pytest exercises/{first}    # one exercise
    concurlab status                  # where you are: passed, failing, not started
    concurlab watch {short}               # re-runs an exercise's tests each time you save
    concurlab hint {short}                # stuck? each call shows the next hint
    concurlab pack                    # the zip to hand in

Each folder has a README.md (the story, the concept, what to do), the module you complete,
and its visible tests. Your instructor grades with more tests than these: make the visible
ones pass, then think about what else could go wrong when threads interleave.
"""

IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


class ReleaseError(Exception):
    pass


def pinned_requirements(names: list[str], pyproject: Path = ROOT_PYPROJECT) -> list[str]:
    """The root pyproject's pin for each of ``names``, so the handout never drifts from it."""
    try:
        declared = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise ReleaseError(f"cannot read the dependency pins from {pyproject}: {exc}") from None
    pins = {_canonical(re.split(r"[<>=!~;\[ ]", req, maxsplit=1)[0]): req for req in declared}
    missing = [n for n in names if _canonical(n) not in pins]
    if missing:
        raise ReleaseError(f"{pyproject} pins no {', '.join(missing)}. "
                           "Fix: add it to [project].dependencies with an exact version")
    return [pins[_canonical(n)] for n in names]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def grader_imports(path: Path, root: Path = PACKAGE.parent) -> set[str]:
    """The ``grader.*`` names a Python file imports (absolute or relative, modules or not).

    ``root`` is the folder holding the ``grader`` package the file may belong to.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ""
    if path.is_relative_to(root / "grader"):
        name = _module_name(path, root)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)
    return {name for name in found if name == "grader" or name.startswith("grader.")}


def _module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
    return ".".join(parts)


def source_of(module: str) -> Path | None:
    """The file of a ``grader`` module or package, or None when the name is not a module."""
    base = PACKAGE.parent.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def needed_modules(entry_files: list[Path]) -> set[Path]:
    """Every ``grader`` source file the entry files import, directly or through each other."""
    seen: set[Path] = set()
    todo = list(entry_files)
    while todo:
        path = todo.pop()
        for module in grader_imports(path):
            source = source_of(module)
            parts = module.split(".")
            # importing grader.a.b runs grader/__init__.py and grader/a/__init__.py first
            inits = [source_of(".".join(parts[:i])) for i in range(1, len(parts))]
            for found in [source, *inits]:
                if found is not None and found not in seen:
                    seen.add(found)
                    todo.append(found)
    return seen


def student_files() -> list[Path]:
    files: list[Path] = []
    for part in STUDENT_PARTS:
        src = PACKAGE / part
        files += sorted(src.rglob("*.py")) if src.is_dir() else [src]
    return files


def release(course: Course, out: Path, *, force: bool = False) -> list[Path]:
    """Write the handout to ``out``; returns the files written."""
    if out.exists() and any(out.iterdir()):
        if not force:
            raise ReleaseError(f"{out} is not empty. Fix: choose a new folder or pass --force")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    visible: list[Path] = []
    for ex in course.exercises.values():
        shutil.copytree(course.exercise_dir(ex), out / "exercises" / ex.id, ignore=IGNORE)
        visible += sorted(course.exercise_dir(ex).glob("test_*.py"))
    course_map = course.root / "exercises" / "README.md"
    if course_map.is_file():
        shutil.copy2(course_map, out / "exercises" / "README.md")
    shipped = set(student_files())
    shipped |= needed_modules([*visible, *shipped])
    for src in sorted(shipped):
        dest = out / src.relative_to(PACKAGE.parent)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
        for data in src.parent.glob("*.md"):  # a package's README travels with it
            shutil.copy2(data, dest.parent / data.name)
    from grader import __version__

    first = next(iter(course.exercises))
    dependencies = pinned_requirements(HANDOUT_DEPENDENCIES)
    (out / "pyproject.toml").write_text(PYPROJECT.format(
        version=__version__, name=course.name,
        dependencies="[" + ", ".join(f'"{d}"' for d in dependencies) + "]"))
    (out / "README.md").write_text(README.format(name=course.name, first=first,
                                                 short=first.split("_")[0]))
    return sorted(p for p in out.rglob("*") if p.is_file())
