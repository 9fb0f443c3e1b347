"""``concurlab pack``: the submission zip, in exactly the layout the grader reads.

The grader (``grader.collect``) takes ``<student_id>/<exercise_id>/<module>.py`` from a
``<student_id>.zip`` and nothing else, so a module saved under another name or in another
folder would silently score 0: ``build`` warns about each such file instead.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.student.state import exercises_in, module_name

#: The ids the grader accepts (the same rule as ``grader.collect.STUDENT_ID``).
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")
SKIP_DIRS = {".venv", "venv", ".git", "__pycache__", ".concurlab", ".pytest_cache"}


def member(student_id: str, exercise_id: str, module: str) -> str:
    """Where the grader looks for one exercise's module inside the zip."""
    return f"{student_id}/{exercise_id}/{module}.py"


@dataclass
class Packed:
    path: Path
    members: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _stray_python_files(root: Path) -> list[Path]:
    """The handout's own Python files (not in the venv, git or the shipped grader package)."""
    found = []
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not (here == root and d == "grader")]
        found += [here / name for name in files if name.endswith(".py")]
    return found


def build(root: Path, student_id: str, out: Path) -> Packed:
    """Write ``out`` with each exercise's module; warn about misnamed or misplaced ones."""
    packed = Packed(out)
    expected: dict[str, tuple[str, str]] = {}  # lower-case file name -> (exercise, module)
    for ex_id in exercises_in(root):
        folder = root / "exercises" / ex_id
        module = module_name(folder)
        if module is not None:
            expected[f"{module}.py".lower()] = (ex_id, module)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for ex_id, module in sorted(expected.values()):
            path = root / "exercises" / ex_id / f"{module}.py"
            if path.is_file():
                zf.write(path, member(student_id, ex_id, module))
                packed.members.append(member(student_id, ex_id, module))
    for path in _stray_python_files(root):
        rel = path.relative_to(root)
        if path.name.startswith(("test_", "conftest")) or path == out:
            continue
        hit = expected.get(path.name.lower())
        if hit is None:
            continue
        ex_id, module = hit
        want = Path("exercises") / ex_id / f"{module}.py"
        if rel == want:
            continue
        if rel.parent == want.parent:
            packed.warnings.append(f"found {rel}, expected {module}.py: the grader only reads "
                                   f"{want} (rename it)")
        else:
            packed.warnings.append(f"found {rel}, expected {want}: the grader only reads that "
                                   "file (move it)")
    missing = [ex for ex, m in expected.values()
               if member(student_id, ex, m) not in packed.members]
    if missing:
        packed.warnings.append(f"not in the zip (no module yet): {', '.join(sorted(missing))}")
    return packed
