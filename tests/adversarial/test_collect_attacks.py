"""Attack class 5: one submission must never stop the class.

Each hostile entry below (a zip that is encrypted, of an unknown compression, with a
corrupt deflate stream, a bomb, a symbolic link; a folder that links to the solutions
or to another student; an id that collides with the gradebook; a message with a lone
surrogate) is graded in one class beside two honest students: the class is graded,
the hostile ones are invalid or refused with a message, the honest ones keep full marks.
"""

from __future__ import annotations

import os
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from grader.batch import BatchResult, grade_class
from grader.collect import MAX_ENTRIES, discover, stage
from grader.course import Course
from grader.results import ExerciseResult, Status
from grader.run import GradeOptions

EXERCISE = "e03_race_counter"
ENTRY = f"{EXERCISE}/counter.py"
#: A submission whose every failure message carries a lone surrogate (no encoder takes it).
SURROGATE_COUNTER = '''
class Counter:
    def __init__(self, start=0):
        self._value = start

    def increment(self, by=1):
        raise ValueError("broken \\udcff counter")

    def decrement(self, by=1):
        raise ValueError("broken \\udcff counter")

    @property
    def value(self):
        raise ValueError("broken \\udcff counter")
'''


def _reference(course: Course) -> bytes:
    ex = course.exercises[EXERCISE]
    return (course.solution_dir(ex) / f"{ex.module}.py").read_bytes()


def _plain_zip(path: Path, data: bytes, method: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        zf.writestr(ENTRY, data)
    return path


def _patch_headers(path: Path, offset_local: int, offset_central: int, value: int) -> None:
    """Set one 2-byte field in the entry's local header and its central directory record."""
    raw = bytearray(path.read_bytes())
    local = raw.index(b"PK\x03\x04")
    central = raw.index(b"PK\x01\x02")
    struct.pack_into("<H", raw, local + offset_local, value)
    struct.pack_into("<H", raw, central + offset_central, value)
    path.write_bytes(bytes(raw))


def encrypted(path: Path, data: bytes) -> Path:
    _plain_zip(path, data)
    _patch_headers(path, 6, 8, 0x1)  # general purpose flag bit 0: encrypted
    return path


def unknown_compression(path: Path, data: bytes) -> Path:
    _plain_zip(path, data)
    _patch_headers(path, 8, 10, 99)  # compression method 99 (AE-x): not in zipfile
    return path


def corrupt_deflate(path: Path, data: bytes) -> Path:
    _plain_zip(path, data * 4, zipfile.ZIP_DEFLATED)
    raw = bytearray(path.read_bytes())
    name_len, extra_len = struct.unpack_from("<HH", raw, 26)
    start = 30 + name_len + extra_len
    raw[start + 2:start + 40] = b"\xff" * 38
    path.write_bytes(bytes(raw))
    return path


def zip_bomb(path: Path, data: bytes) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(ENTRY, b"#" * 40_000_000)
    return path


def symlink_entry(path: Path, data: bytes) -> Path:
    info = zipfile.ZipInfo(ENTRY)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(info, "../../solutions/e03_race_counter/counter.py")
    return path


def not_a_zip(path: Path, data: bytes) -> Path:
    path.write_bytes(b"PK\x03\x04" + os.urandom(200))
    return path


def too_many_entries(path: Path, data: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(MAX_ENTRIES + 1):
            zf.writestr(f"junk/{i}", b"")
        zf.writestr(ENTRY, data)
    return path


BAD_ZIPS = {
    "encrypted": (encrypted, "encrypted"),
    "unknown_compression": (unknown_compression, "compression"),
    "corrupt_deflate": (corrupt_deflate, "corrupt"),
    "zip_bomb": (zip_bomb, "larger than"),
    "symlink_entry": (symlink_entry, "symbolic link"),
    "not_a_zip": (not_a_zip, "not a readable zip"),
    "too_many_entries": (too_many_entries, "more than"),
}


@pytest.mark.parametrize("kind", sorted(BAD_ZIPS))
def test_each_bad_zip_is_invalid_with_a_message(course: Course, tmp_path: Path, kind: str):
    make, words = BAD_ZIPS[kind]
    make(tmp_path / f"{kind}.zip", _reference(course))
    [sub], _ = discover(tmp_path)
    staged = stage(sub, course.exercises[EXERCISE])
    assert staged.status == Status.INVALID, staged
    assert words in staged.message and "Fix" in staged.message or kind == "zip_bomb"


def test_a_fifo_in_place_of_the_module_is_invalid_and_never_read(course: Course, tmp_path: Path):
    (tmp_path / "fifo" / EXERCISE).mkdir(parents=True)
    os.mkfifo(tmp_path / "fifo" / ENTRY)  # reading it would block collect forever
    staged = stage(discover(tmp_path)[0][0], course.exercises[EXERCISE])
    assert staged.status == Status.INVALID and "not a regular file" in staged.message


def test_a_folder_in_place_of_the_module_is_invalid(course: Course, tmp_path: Path):
    (tmp_path / "dora" / ENTRY).mkdir(parents=True)
    staged = stage(discover(tmp_path)[0][0], course.exercises[EXERCISE])
    assert staged.status == Status.INVALID and "is a folder, not a file" in staged.message


def test_a_module_that_is_not_utf8_is_invalid(course: Course, tmp_path: Path):
    (tmp_path / "lat" / EXERCISE).mkdir(parents=True)
    (tmp_path / "lat" / ENTRY).write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    staged = stage(discover(tmp_path)[0][0], course.exercises[EXERCISE])
    assert staged.status == Status.INVALID and "not UTF-8" in staged.message


@pytest.mark.parametrize("sid", ["grades.csv", "GRADES.CSV", "class.html", "report.json",
                                 "results", "e03_race_counter", "ada\n", "-ada", "=cmd"])
def test_reserved_and_unsafe_ids_are_refused_with_the_fix(tmp_path: Path, sid: str):
    (tmp_path / "ok").mkdir()
    (tmp_path / sid).mkdir()
    subs, refused = discover(tmp_path)
    assert [s.student_id for s in subs] == ["ok"]
    assert len(refused) == 1 and "not graded" in refused[0] and "Fix" in refused[0]


@pytest.fixture(scope="module")
def hostile_class(course: Course, tmp_path_factory: pytest.TempPathFactory) -> tuple[BatchResult, Path]:
    """Two honest students beside every hostile kind, graded once on e03."""
    root = tmp_path_factory.mktemp("hostile")
    subs, out = root / "subs", root / "out"
    reference = _reference(course)
    (subs / "ada" / EXERCISE).mkdir(parents=True)
    (subs / "ada" / ENTRY).write_bytes(reference)
    _plain_zip(subs / "bob.zip", reference, zipfile.ZIP_DEFLATED)
    for kind, (make, _) in BAD_ZIPS.items():
        make(subs / f"{kind.replace('_', '-')}.zip", reference)
    # links: to the solutions, into another student's folder, a linked student folder
    (subs / "mal").mkdir()
    os.symlink(course.solution_dir(course.exercises[EXERCISE]), subs / "mal" / EXERCISE)
    (subs / "mal2" / EXERCISE).mkdir(parents=True)
    os.symlink(subs / "ada" / ENTRY, subs / "mal2" / ENTRY)
    os.symlink(subs / "ada", subs / "eve")
    # ids that collide with what the grader writes
    (subs / "grades.csv" / EXERCISE).mkdir(parents=True)
    (subs / "grades.csv" / ENTRY).write_bytes(reference)
    _plain_zip(subs / "report.json.zip", reference)
    # a message no encoder accepts
    (subs / "sam" / EXERCISE).mkdir(parents=True)
    (subs / "sam" / ENTRY).write_text(SURROGATE_COUNTER)
    result = grade_class(course, subs, out, exercise_ids=[EXERCISE], jobs=2,
                         options=GradeOptions(sandbox="require"))
    return result, out


def _by_id(result: BatchResult) -> dict[str, ExerciseResult]:
    return {rep.student_id: rep.exercises[EXERCISE] for rep in result.reports}


def test_honest_students_keep_full_marks(hostile_class):
    result, _ = hostile_class
    graded = _by_id(result)
    for sid in ("ada", "bob"):
        assert graded[sid].status == Status.GRADED, graded[sid]
        assert graded[sid].score == graded[sid].max_score == 8


@pytest.mark.parametrize("kind", sorted(BAD_ZIPS))
def test_each_bad_zip_scores_zero_as_invalid(hostile_class, kind: str):
    result, out = hostile_class
    ex = _by_id(result)[kind.replace("_", "-")]
    assert ex.status == Status.INVALID and ex.score == 0 and ex.message
    assert (out / kind.replace("_", "-") / "feedback.md").is_file()


@pytest.mark.parametrize("sid", ["mal", "mal2"])
def test_a_link_to_the_solutions_or_another_student_is_never_graded(hostile_class, sid: str):
    result, _ = hostile_class
    ex = _by_id(result)[sid]
    assert ex.status == Status.INVALID and ex.score == 0
    assert "symbolic link" in ex.message


def test_linked_and_colliding_entries_are_refused_loudly(hostile_class):
    result, out = hostile_class
    assert not {"eve", "grades.csv", "report.json"} & set(_by_id(result))
    for name in ("eve", "grades.csv", "report.json.zip"):
        assert any(f"{name}: not graded" in w for w in result.warnings), (name, result.warnings)
    rows = (out / "grades.csv").read_text().splitlines()
    assert (out / "grades.csv").is_file() and rows[0].startswith("student_id,")
    assert {row.split(",")[0] for row in rows[1:]} >= {"ada", "bob", "sam"}


def test_a_lone_surrogate_in_a_message_does_not_stop_report_writing(hostile_class):
    result, out = hostile_class
    ex = _by_id(result)["sam"]
    assert ex.status == Status.GRADED and ex.score == 0
    text = (out / "sam" / "feedback.md").read_text(encoding="utf-8")
    assert "broken \\udcff counter" in text
