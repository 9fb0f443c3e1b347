"""Submissions -> workspaces: copy only the contract's module, and check it compiles.

A submission is ``SUBMISSIONS/<student_id>/<exercise_id>/<module>.py`` or
``SUBMISSIONS/<student_id>.zip`` holding the same tree (with or without the
``<student_id>/`` folder on top).  Nothing else a submission holds (a
conftest.py, a .pth, a sitecustomize.py) is ever copied anywhere.

Collecting never stops the class: whatever is wrong with one submission (a zip
that is encrypted, corrupt or a bomb, a symbolic link anywhere, a file that
cannot be read or decoded) makes that submission "invalid" with a message, and
the others are graded.  Only a submissions folder that cannot be a class at all
(empty, one student's folder, a course folder) stops with :class:`CollectError`.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader import gate
from grader.course import EXERCISE_ID, Exercise
from grader.escape import terminal
from grader.results import Status

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}")
#: Names the grader writes in --out (and course folders): a student with one of these ids
#: would overwrite, or be overwritten by, the gradebook.  Compared case-insensitively.
RESERVED_IDS = frozenset({
    "grades.csv", "class.html", "index.html", "report.json", "results.json", "feedback.md",
    "junit.xml", "gradebook.db", "canvas.csv", "moodle.csv", "results", "exercises",
    "solutions", "tests", "grader", "handout", "demo-out", "demo-class", "con", "nul", "prn", "aux",
})
#: A student id ending like an output file is refused too (``grades.csv.zip`` -> ``grades.csv``).
RESERVED_SUFFIXES = (".csv", ".html", ".htm", ".json", ".xml", ".md", ".db", ".zip", ".txt", ".log")
#: Entries of a submissions folder skipped without a word: archive and tool litter.
IGNORED = frozenset({"__MACOSX", "Thumbs.db", "desktop.ini"})
HIDDEN_LITTER = frozenset({".git", ".venv", ".idea", ".vscode", ".ipynb_checkpoints", ".DS_Store"})
MAX_MODULE_BYTES = 1_000_000
#: The status of a module that compiles and passes the gate: ready to grade.
READY = "ok"
MAX_ARCHIVE_BYTES = 50_000_000
#: Files and folders looked at in one submission; more is a bomb, not homework.
MAX_ENTRIES = 5_000


class CollectError(Exception):
    """The submissions folder cannot be graded as a class, phrased with the fix."""


@dataclass(frozen=True)
class Submission:
    student_id: str
    source: Path  # a folder or a .zip


@dataclass(frozen=True)
class Staged:
    """One (student, exercise) ready to grade, or the reason it cannot be."""

    status: Status | str  # READY, or why not: NOT_SUBMITTED, SYNTAX_ERROR, INVALID, NOT_ALLOWED
    message: str = ""
    source: bytes = b""

    @property
    def ready(self) -> bool:
        return self.status == READY

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.status.encode() + self.source).hexdigest()


def discover(root: Path) -> tuple[list[Submission], list[str]]:
    """Submissions found under ``root``, and one "not graded" line per entry refused.

    Refused entries (a bad or reserved id, a symbolic link, a stray file) are never
    dropped silently: each line names the entry and the fix, and the CLI prints them
    after the gradebook.
    """
    try:
        entries = sorted(e for e in root.iterdir() if e.name not in IGNORED)
    except OSError as exc:
        raise CollectError(f"{terminal(str(root))}: cannot list the submissions folder ({exc.strerror}). "
                           "Fix: check the path and its permissions") from None
    _check_is_a_class(root, entries)
    subs: dict[str, Submission] = {}
    refused: list[str] = []
    for entry in entries:
        shown = terminal(str(entry))
        if entry.name.startswith("."):
            if entry.name not in HIDDEN_LITTER and (entry.is_dir() or entry.suffix == ".zip"):
                refused.append(f"{shown}: not graded: a hidden name (it starts with a dot). "
                               "Fix: rename it to the student's id")
            continue
        try:
            if entry.is_symlink():
                refused.append(f"{shown}: not graded: a symbolic link. Fix: put the student's "
                               "folder or zip itself there, not a link")
                continue
            if entry.is_dir():
                sid = entry.name
            elif entry.suffix == ".zip" and entry.is_file():
                sid = entry.stem
            else:
                refused.append(f"{shown}: not graded: a submission is a folder or a .zip per "
                               "student. Fix: move this file out of the submissions folder")
                continue
        except OSError as exc:
            refused.append(f"{shown}: not graded: unreadable ({exc.strerror}). Fix: check its permissions")
            continue
        problem = id_problem(sid)
        if problem:
            refused.append(f"{shown}: not graded: {problem}")
        elif sid.lower() in (s.lower() for s in subs):
            other = next(s for s in subs.values() if s.student_id.lower() == sid.lower())
            refused.append(f"{shown}: not graded: student {sid} also has {terminal(other.source.name)}. "
                           "Fix: keep one of them")
        else:
            subs[sid] = Submission(sid, entry)
    if not subs:
        why = "".join(f"\n  {line}" for line in refused)
        raise CollectError(f"{terminal(str(root))}: no submission to grade (expected one <student>/ folder or "
                           f"<student>.zip per student){why}")
    return list(subs.values()), refused


def id_problem(sid: str) -> str | None:
    """Why ``sid`` cannot be a student id (with the fix), or None."""
    shown = terminal(sid)
    if not STUDENT_ID.fullmatch(sid):
        suggestion = re.sub(r"[^A-Za-z0-9._@+-]+", "_", sid).strip("._@+-") or "student1"
        return (f"'{shown}' is not a usable student id (letters, digits and . _ @ + - only, "
                f"starting with a letter or digit). Fix: rename it, e.g. to {terminal(suggestion)}")
    if sid.lower() in RESERVED_IDS or sid.lower().endswith(RESERVED_SUFFIXES):
        return (f"'{shown}' is a name the grader writes in its output folder (or a course "
                "folder). Fix: rename it to the student's id")
    if EXERCISE_ID.match(sid):
        return f"'{shown}' is an exercise id, not a student id. Fix: put it inside a student's folder"
    return None


def _check_is_a_class(root: Path, entries: list[Path]) -> None:
    """Stop early on the folders a new instructor passes by mistake."""
    names = [e.name for e in entries if not e.name.startswith(".")]
    root_shown = terminal(str(root))
    if not names:
        raise CollectError(f"{root_shown}: the submissions folder is empty. Fix: put one <student>/ "
                           "folder or <student>.zip per student in it")
    if "course.yml" in names:
        raise CollectError(f"{root_shown}: this is a course folder (it holds course.yml), not a class's "
                           "submissions. Fix: pass the folder that holds one folder or zip per student")
    exercise_like = [n for n in names if EXERCISE_ID.match(n)]
    if exercise_like and len(exercise_like) * 2 > len(names):
        raise CollectError(
            f"{root_shown}: this looks like one student's submission (it holds {', '.join(exercise_like[:3])}"
            f"{', ...' if len(exercise_like) > 3 else ''}), not a class. Fix: pass the folder above it, "
            f"which holds one folder per student: concurlab grade {terminal(str(root.parent))} ...")


def stage(sub: Submission, ex: Exercise) -> Staged:
    """Read the one module the contract names, from a folder or a zip; never raises."""
    rel = f"{ex.id}/{ex.module}.py"
    try:
        if sub.source.suffix == ".zip" and not sub.source.is_dir():
            data, found = _read_zip(sub.source, rel)
        else:
            data, found = _read_dir(sub.source, rel)
    except _Invalid as exc:
        return Staged(Status.INVALID, str(exc))
    except Exception as exc:  # noqa: BLE001 - one unreadable submission must never stop the class
        return Staged(Status.INVALID, f"{terminal(sub.source.name)}: cannot be read "
                                      f"({type(exc).__name__}: {terminal(str(exc))})")
    if data is None:
        return Staged(Status.NOT_SUBMITTED, f"not submitted: no {rel}{_hint(found, ex)}")
    return check_source(data, ex)


def check_source(data: bytes, ex: Exercise) -> Staged:
    """Compile (never run) the module, then the static gate: neither runs anything."""
    rel = f"{ex.id}/{ex.module}.py"
    if len(data) > MAX_MODULE_BYTES:
        return Staged(Status.INVALID, f"{rel} is larger than {MAX_MODULE_BYTES} bytes")
    try:
        text = data.decode("utf-8")
        tree = ast.parse(text, f"{ex.module}.py")
        compile(tree, f"{ex.module}.py", "exec", dont_inherit=True)
    except UnicodeDecodeError as exc:
        return Staged(Status.INVALID, f"{rel} is not UTF-8 text (byte {exc.start}). "
                                      "Fix: save the file as UTF-8")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None)
        where = f"line {line}: " if line else ""
        why = getattr(exc, "msg", None) or "too deeply nested to compile"
        return Staged(Status.SYNTAX_ERROR, f"syntax error in {ex.module}.py, {where}{why}", data)
    refusal = gate.check(tree, ex.gate_rules)
    if refusal is not None:
        return Staged(Status.NOT_ALLOWED, f"not allowed: {refusal}", data)
    return Staged(READY, "", data)


class _Invalid(Exception):
    pass


def _read_dir(folder: Path, rel: str) -> tuple[bytes | None, list[str]]:
    """The module's bytes (or None) and every path in the submission, for the hint."""
    found = _walk(folder)
    path = folder / rel
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None, found
    except NotADirectoryError:
        raise _Invalid(f"{rel.split('/')[0]} is a file, not a folder. Fix: put {rel} in a folder") from None
    if stat.S_ISDIR(info.st_mode):
        raise _Invalid(f"{rel} is a folder, not a file. Fix: submit the module file itself")
    if not stat.S_ISREG(info.st_mode):
        raise _Invalid(f"{rel} is not a regular file. Fix: submit the module file itself")
    if info.st_size > MAX_MODULE_BYTES:
        raise _Invalid(f"{rel} is larger than {MAX_MODULE_BYTES} bytes")
    try:
        with open(path, "rb") as f:
            return f.read(MAX_MODULE_BYTES + 1), found
    except OSError as exc:
        raise _Invalid(f"{rel} cannot be read ({exc.strerror}). Fix: check its permissions") from None


def _walk(folder: Path) -> list[str]:
    """Every path under ``folder`` (relative, "/"-separated); refuse any symbolic link."""
    found: list[str] = []
    for top, dirs, files in os.walk(folder, onerror=_raise):
        for name in dirs + files:
            path = Path(top) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                raise _Invalid(f"{terminal(folder.name)}/{terminal(rel)} is a symbolic link: a submission "
                               "holds no links, so none is graded. Fix: remove the link, or put the file itself there")
            found.append(rel + ("/" if name in dirs else ""))
        if len(found) > MAX_ENTRIES:
            raise _Invalid(f"{terminal(folder.name)} holds more than {MAX_ENTRIES} files. "
                           "Fix: submit only the exercise folders (no .git, .venv or data)")
    return found


def _raise(exc: OSError) -> None:
    raise _Invalid(f"{terminal(str(exc.filename))} cannot be read ({exc.strerror}). "
                   "Fix: check its permissions")


def _read_zip(archive: Path, rel: str) -> tuple[bytes | None, list[str]]:
    name = terminal(archive.name)
    if archive.stat().st_size > MAX_ARCHIVE_BYTES:
        raise _Invalid(f"{name} is larger than {MAX_ARCHIVE_BYTES} bytes. "
                       "Fix: submit only the exercise folders")
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ENTRIES:
                raise _Invalid(f"{name} holds more than {MAX_ENTRIES} entries. "
                               "Fix: submit only the exercise folders")
            for info in infos:
                if stat.S_ISLNK(info.external_attr >> 16):
                    raise _Invalid(f"{name}: {terminal(info.filename)} is a symbolic link: a submission "
                                   "holds no links, so none is graded. Fix: zip the file itself")
            found = [info.filename.replace("\\", "/") for info in infos]
            matches = [info for info, path in zip(infos, found, strict=True) if _is_module(path, rel)]
            if not matches:
                return None, found
            if len(matches) > 1:
                raise _Invalid(f"{name} holds {rel} twice ({', '.join(terminal(m.filename) for m in matches)}). "
                               "Fix: keep one")
            return _read_entry(zf, matches[0], name, rel), found
    except zipfile.BadZipFile as exc:
        raise _Invalid(f"{name} is not a readable zip file ({terminal(str(exc))}). "
                       "Fix: zip the folders again (a plain zip, no password)") from None
    except NotImplementedError as exc:
        raise _Invalid(f"{name} uses a compression this grader cannot read ({terminal(str(exc))}). "
                       "Fix: zip it again with plain deflate (the default of every zip tool)") from None


def _is_module(path: str, rel: str) -> bool:
    parts = path.split("/")
    return path == rel or (len(parts) == 3 and "/".join(parts[1:]) == rel)


def _read_entry(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, rel: str) -> bytes:
    if info.flag_bits & 0x1:
        raise _Invalid(f"{name}: {rel} is encrypted. Fix: zip it again without a password")
    if info.file_size > MAX_MODULE_BYTES:
        raise _Invalid(f"{rel} in {name} is larger than {MAX_MODULE_BYTES} bytes")
    try:
        with zf.open(info) as f:
            data = f.read(MAX_MODULE_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError) as exc:
        raise _Invalid(f"{name}: {rel} is corrupt ({type(exc).__name__}: {terminal(str(exc))}). "
                       "Fix: zip the folders again") from None
    if len(data) > MAX_MODULE_BYTES:
        raise _Invalid(f"{rel} in {name} is larger than {MAX_MODULE_BYTES} bytes")
    return data


def _hint(found: list[str], ex: Exercise) -> str:
    """Say what was found instead of the module, and where: the likely fix for a near miss."""
    want = f"{ex.module}.py"
    paths = [p for p in found if not p.endswith("/")]
    for path in paths:
        p = PurePosixPath(path)
        if p.name == want and ex.id in p.parts[:-1]:
            return (f"; found {terminal(path)}: one folder too deep. Fix: put {ex.id}/ at the top "
                    "of the submission")
        if p.name.lower() == want.lower() and p.name != want:
            return (f"; found {terminal(path)}, expected {ex.id}/{want}. Fix: rename it "
                    "(names are case-sensitive)")
    for path in paths:
        p = PurePosixPath(path)
        if p.name == want:
            return f"; found {terminal(path)}. Fix: move it to {ex.id}/{want}"
    in_folder = [PurePosixPath(p).name for p in paths if ex.id in PurePosixPath(p).parts[:-1]]
    if in_folder:
        return (f"; {ex.id}/ holds {', '.join(terminal(n) for n in in_folder[:5])}. "
                f"Fix: the module must be named {want}")
    archives = [p for p in paths if p.lower().endswith(".zip")]
    if archives:
        return (f"; found {terminal(archives[0])} inside the submission. Fix: unzip it, or hand "
                "the folders in as <student>.zip")
    return ""


def write_workspace(staged: Staged, ex: Exercise, folder: Path) -> Path:
    """A fresh folder holding only the module; the subject's sys.path root."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{ex.module}.py").write_bytes(staged.source)
    return folder


def stage_path(path: Path, ex: Exercise) -> Staged:
    """Stage any file as the exercise's module (references, stubs and mutants)."""
    return check_source(path.read_bytes(), ex)
