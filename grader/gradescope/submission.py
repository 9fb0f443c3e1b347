"""Find a student's modules in what Gradescope unpacked into ``/autograder/submission``.

Students upload the module files themselves (``counter.py`` at the top), the
handout's layout (``e03_race_counter/counter.py``, maybe under a top folder such
as ``handout/exercises/``), or a zip of either.  Each exercise takes the
shallowest ``<exercise>/<module>.py``, else a ``<module>.py`` at the top.
Nothing is extracted or executed here: only the module bytes are copied.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.collect import MAX_MODULE_BYTES
from grader.course import Course

#: How deep a module may sit under the submission (handout/exercises/e03/counter.py is 3).
MAX_DEPTH = 5
MAX_ZIP_MEMBERS = 10_000


@dataclass
class Found:
    modules: dict[str, bytes] = field(default_factory=dict)   # exercise id -> source
    notes: list[str] = field(default_factory=list)             # what was taken from where
    seen: list[str] = field(default_factory=list)              # every .py seen (for hints)


def _candidates(course: Course, paths: list[PurePosixPath]) -> dict[str, PurePosixPath]:
    chosen: dict[str, PurePosixPath] = {}
    for ex in course.exercises.values():
        name = f"{ex.module}.py"
        nested = [p for p in paths if p.name == name and len(p.parts) > 1 and p.parent.name == ex.id]
        top = [p for p in paths if p.as_posix() == name]
        best = sorted(nested, key=lambda p: len(p.parts)) or top
        if best:
            chosen[ex.id] = best[0]
    return chosen


def find_modules(course: Course, submission: Path) -> Found:
    found = Found()
    files: dict[PurePosixPath, Path] = {}
    for dirpath, dirnames, filenames in os.walk(submission):
        depth = len(Path(dirpath).relative_to(submission).parts)
        dirnames[:] = [] if depth >= MAX_DEPTH else sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            rel = PurePosixPath(path.relative_to(submission).as_posix())
            if name.endswith(".py"):
                files[rel] = path
                found.seen.append(rel.as_posix())
    for ex_id, rel in _candidates(course, list(files)).items():
        size = files[rel].stat().st_size
        if size > MAX_MODULE_BYTES:
            found.notes.append(f"{rel}: larger than {MAX_MODULE_BYTES} bytes, ignored")
            continue
        found.modules[ex_id] = files[rel].read_bytes()
        found.notes.append(f"{ex_id}: graded {rel}")
    for archive in sorted(submission.glob("*.zip")):
        _from_zip(course, archive, found)
    return found


def _from_zip(course: Course, archive: Path, found: Found) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = {PurePosixPath(i.filename.replace("\\", "/")): i
                     for i in zf.infolist()[:MAX_ZIP_MEMBERS] if not i.is_dir()}
            found.seen += [f"{archive.name}:{p}" for p in infos if p.suffix == ".py"]
            for ex_id, rel in _candidates(course, list(infos)).items():
                if ex_id in found.modules:
                    continue
                info = infos[rel]
                if info.file_size > MAX_MODULE_BYTES:
                    found.notes.append(f"{archive.name}:{rel}: larger than {MAX_MODULE_BYTES} bytes")
                    continue
                found.modules[ex_id] = zf.read(info)
                found.notes.append(f"{ex_id}: graded {rel} from {archive.name}")
    except zipfile.BadZipFile:
        found.notes.append(f"{archive.name}: not a readable zip file, ignored")


def stage(found: Found, course: Course, student_folder: Path) -> None:
    """Write the modules as concurlab grade reads a class: ``<student>/<exercise>/<module>.py``."""
    for ex_id, data in found.modules.items():
        path = student_folder / ex_id / f"{course.exercises[ex_id].module}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    student_folder.mkdir(parents=True, exist_ok=True)
