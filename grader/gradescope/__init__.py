"""``concurlab gradescope build OUT.zip``: a Gradescope autograder for the course.

The zip holds, at its root, ``setup.sh`` (Gradescope runs it once to build the
image: Python 3.11+, bubblewrap, the engine's dependencies) and
``run_autograder`` (run per submission), then ``engine/`` (the grader package
and a minimal pyproject) and ``course/`` (course.yml of the chosen exercises,
their stubs, references for side-by-side timing and hidden tests; never the
mutants).  ``grader.gradescope.autograder`` does the grading inside.
"""

from __future__ import annotations

import importlib.metadata
import io
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

import yaml

import grader
from grader import environment
from grader.course import Course

#: Files of a folder never shipped (caches, bytecode).
_SKIP = re.compile(r"(^|/)(__pycache__|\.pytest_cache)(/|$)|\.pyc$")
_DATE = (2026, 1, 1, 0, 0, 0)

SETUP = """\
#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# bubblewrap isolates each submission where the container allows user namespaces.
apt-get install -y -qq bubblewrap || echo "bubblewrap unavailable: grading without the sandbox"
python=""
for v in 3.13 3.12 3.11; do
  if command -v "python$v" >/dev/null || apt-get install -y -qq "python$v" "python$v-venv"; then
    python="python$v"; break
  fi
done
[ -n "$python" ] || { echo "concurlab needs Python 3.11 or newer (choose an Ubuntu 22.04+ base image)"; exit 1; }
"$python" -m venv "$here/venv"
"$here/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$here/engine"
"""

RUN_AUTOGRADER = f"""\
#!/usr/bin/env bash
# Gradescope runs this for every submission. {environment.AUTOGRADER_ROOT} moves /autograder (tests);
# {environment.AUTOGRADER_SANDBOX} is auto (bubblewrap where it runs), require or off.
set -euo pipefail
root="${{{environment.AUTOGRADER_ROOT}:-/autograder}}"
source="$root/source"
python="${{{environment.AUTOGRADER_PYTHON}:-$source/venv/bin/python}}"   # setup.sh installed the engine there
exec "$python" -m grader.gradescope.autograder --root "$root" \\
  --sandbox "${{{environment.AUTOGRADER_SANDBOX}:-auto}}" "$@"
"""

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "concurlab-autograder"
version = "{version}"
requires-python = ">=3.11"
dependencies = {dependencies}

[tool.setuptools.packages.find]
include = ["grader*"]
"""


class BuildError(Exception):
    pass


def engine_dependencies() -> list[str]:
    """The engine's pinned run-time dependencies (no extras), from the installed metadata."""
    requires = importlib.metadata.requires("concurlab") or []
    return [r for r in requires if "extra ==" not in r]


def course_yml(course: Course, exercise_ids: Iterable[str]) -> str:
    data = yaml.safe_load(course.path.read_text(encoding="utf-8"))
    keep = set(exercise_ids)
    data["exercises"] = [e for e in data["exercises"] if e["id"] in keep]
    data.pop("roster", None)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def build(course: Course, out: Path, exercise_ids: list[str]) -> list[str]:
    """Write the autograder zip; returns the names it holds."""
    unknown = [e for e in exercise_ids if e not in course.exercises]
    if unknown:
        raise BuildError(f"unknown exercise {unknown[0]} (known: {', '.join(course.exercises)})")
    if out.suffix != ".zip":
        raise BuildError(f"{out}: Gradescope takes a .zip. Fix: name it {out.with_suffix('.zip').name}")
    files: dict[str, bytes] = {
        "setup.sh": SETUP.encode(), "run_autograder": RUN_AUTOGRADER.encode(),
        "engine/pyproject.toml": PYPROJECT.format(version=grader.__version__,
                                                  dependencies=engine_dependencies()).encode(),
        "course/course.yml": course_yml(course, exercise_ids).encode(),
    }
    package = Path(grader.__file__).resolve().parent
    files.update(_tree(package, "engine/grader"))
    for ex_id in exercise_ids:
        ex = course.exercises[ex_id]
        for folder in (course.exercise_dir(ex), course.solution_dir(ex), course.hidden_dir(ex)):
            files.update(_tree(folder, "course/" + folder.relative_to(course.root).as_posix()))
    out.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(files.items()):
            info = zipfile.ZipInfo(name, date_time=_DATE)
            executable = name in ("setup.sh", "run_autograder")
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(out)
    return sorted(files)


def _tree(folder: Path, prefix: str) -> dict[str, bytes]:
    return {f"{prefix}/{p.relative_to(folder).as_posix()}": p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink() and not _SKIP.search(p.relative_to(folder).as_posix())}
