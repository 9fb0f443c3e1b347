"""Submissions -> workspaces: copy only the contract's module, and check it compiles.

A submission is ``SUBMISSIONS/<student_id>/<exercise_id>/<module>.py`` or
``SUBMISSIONS/<student_id>.zip`` holding the same tree (with or without the
``<student_id>/`` folder on top).  Nothing else a submission holds (a
conftest.py, a .pth, a sitecustomize.py) is ever copied anywhere.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.course import Exercise
from grader.results import Status

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")
MAX_MODULE_BYTES = 1_000_000
#: The status of a module that compiles: ready to grade.
READY = "ok"


@dataclass(frozen=True)
class Submission:
    student_id: str
    source: Path  # a folder or a .zip


@dataclass(frozen=True)
class Staged:
    """One (student, exercise) ready to grade, or the reason it cannot be."""

    status: Status | str  # READY, or why not: NOT_SUBMITTED, SYNTAX_ERROR or INVALID
    message: str = ""
    source: bytes = b""

    @property
    def ready(self) -> bool:
        return self.status == READY

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.status.encode() + self.source).hexdigest()


def discover(root: Path) -> tuple[list[Submission], list[str]]:
    """Submissions found under ``root`` and warnings about entries that are not."""
    subs: dict[str, Submission] = {}
    warnings: list[str] = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():
            sid = entry.name
        elif entry.suffix == ".zip" and entry.is_file():
            sid = entry.stem
        else:
            warnings.append(f"{entry}: ignored (a submission is a folder or a .zip per student)")
            continue
        if not STUDENT_ID.match(sid):
            warnings.append(f"{entry}: ignored: '{sid}' is not a usable student id "
                            "(letters, digits and . _ @ + - only). Fix: rename it")
        elif sid in subs:
            warnings.append(f"{entry}: ignored: student {sid} also has {subs[sid].source.name}. "
                            "Fix: keep one of them")
        else:
            subs[sid] = Submission(sid, entry)
    return list(subs.values()), warnings


def stage(sub: Submission, ex: Exercise) -> Staged:
    """Read the one module the contract names, from a folder or a zip."""
    rel = f"{ex.id}/{ex.module}.py"
    try:
        data = _read_zip(sub.source, rel) if sub.source.suffix == ".zip" else _read_dir(sub.source, rel)
    except _Invalid as exc:
        return Staged(Status.INVALID, str(exc))
    if data is None:
        return Staged(Status.NOT_SUBMITTED, f"not submitted: no {rel} in the submission")
    return check_source(data, ex)


def check_source(data: bytes, ex: Exercise) -> Staged:
    """Compile (never run) the module: a syntax error scores 0 with the compiler's words."""
    rel = f"{ex.id}/{ex.module}.py"
    if len(data) > MAX_MODULE_BYTES:
        return Staged(Status.INVALID, f"{rel} is larger than {MAX_MODULE_BYTES} bytes")
    try:
        text = data.decode("utf-8")
        compile(text, f"{ex.module}.py", "exec", dont_inherit=True)
    except UnicodeDecodeError:
        return Staged(Status.INVALID, f"{rel} is not UTF-8 text")
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        where = f"line {line}: " if line else ""
        return Staged(Status.SYNTAX_ERROR, f"syntax error in {ex.module}.py, {where}{getattr(exc, 'msg', exc)}",
                      data)
    return Staged(READY, "", data)


class _Invalid(Exception):
    pass


def _read_dir(folder: Path, rel: str) -> bytes | None:
    path = folder / rel
    if path.is_symlink():
        raise _Invalid(f"{rel} is a symbolic link; submit the file itself")
    if not path.exists():
        return None
    if not path.is_file():
        raise _Invalid(f"{rel} is not a regular file")
    return path.read_bytes()


def _read_zip(archive: Path, rel: str) -> bytes | None:
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                name = info.filename.replace("\\", "/")
                parts = name.split("/")
                if name == rel or (len(parts) == 3 and "/".join(parts[1:]) == rel):
                    if info.file_size > MAX_MODULE_BYTES:
                        raise _Invalid(f"{rel} in {archive.name} is larger than {MAX_MODULE_BYTES} bytes")
                    return zf.read(info)
    except zipfile.BadZipFile:
        raise _Invalid(f"{archive.name} is not a readable zip file") from None
    return None


def write_workspace(staged: Staged, ex: Exercise, folder: Path) -> Path:
    """A fresh folder holding only the module; the subject's sys.path root."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{ex.module}.py").write_bytes(staged.source)
    return folder


def stage_path(path: Path, ex: Exercise) -> Staged:
    """Stage any file as the exercise's module (references, stubs and mutants)."""
    return check_source(path.read_bytes(), ex)
