"""Grades out to where courses live: one module per format, found by name.

Each module here that defines ``FORMAT`` (an :class:`ExportFormat`) is a format of
``concurlab export --format NAME``; adding a format touches only its own file.
Every format reads the same :class:`Export` (the graded class, the course model
and, when given, the roster) and returns warnings for the instructor.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from grader.course import Course
from grader.export.roster import Roster
from grader.results import ClassResult


class ExportError(Exception):
    """An export that cannot be written, phrased for the person who fixes it."""


@dataclass(frozen=True)
class Export:
    """What every format reads."""

    results: ClassResult
    course: Course
    roster: Roster | None = None
    #: Moodle: the roster column that identifies a user (username, email or idnumber).
    match: str = "username"

    def title(self, exercise_id: str) -> str:
        ex = self.course.exercises.get(exercise_id)
        return ex.title if ex else exercise_id

    def require_roster(self, fmt: str) -> Roster:
        if self.roster is None:
            raise ExportError(f"--format {fmt} needs the students' identities. Fix: pass --roster "
                              "roster.csv (or set roster: in course.yml)")
        return self.roster


@dataclass(frozen=True)
class ExportFormat:
    name: str
    help: str
    #: Writes the export to the path (a file, or a folder of one file per student) and
    #: returns warnings (students left out, and why).
    write: Callable[[Export, Path], list[str]]


@cache
def formats() -> dict[str, ExportFormat]:
    """Every format module in this package, by format name."""
    found: dict[str, ExportFormat] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        fmt = getattr(module, "FORMAT", None)
        if isinstance(fmt, ExportFormat):
            found[fmt.name] = fmt
    return dict(sorted(found.items()))


def get_format(name: str) -> ExportFormat:
    known = formats()
    if name not in known:
        raise ExportError(f"unknown format {name!r}. Fix: use one of {', '.join(known)}")
    return known[name]


def export(fmt: str, data: Export, output: Path) -> list[str]:
    return get_format(fmt).write(data, output)
