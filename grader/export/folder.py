"""Formats that write one file per student into a folder."""

from __future__ import annotations

import re
from pathlib import Path

from grader.export import ExportError

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")


def student_file(folder: Path, student_id: str, suffix: str) -> Path:
    """``folder/<student_id><suffix>``; an id that is not a plain file name is refused."""
    if not _SAFE_NAME.match(student_id):
        raise ExportError(f"student id {student_id!r} is not a usable file name. Fix: rename "
                          "that submission and regrade")
    return folder / f"{student_id}{suffix}"


def prepare(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder}: is a file; this format writes a folder (one file per "
                          "student). Fix: pass --output a folder")
    folder.mkdir(parents=True, exist_ok=True)
