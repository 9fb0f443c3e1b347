"""Collecting submissions: only the contract's module, from folders or zips, and a clear
message (with the fix) for every mistake a new instructor or student makes."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from grader.collect import CollectError, discover, stage
from grader.results import Status

REFERENCE = Path(__file__).resolve().parents[2] / "solutions" / "e04_bank_transfer" / "bank.py"


def _zip(path: Path, entries: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in entries.items():
            zf.writestr(name, text)
    return path


def _write(path: Path, text: str = "x = 1\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_discover_folders_zips_and_names_what_it_refuses(tmp_path: Path):
    (tmp_path / "alice").mkdir()
    _zip(tmp_path / "bob.zip", {"e01_threads_io/downloader.py": "x = 1\n"})
    (tmp_path / "notes.txt").write_text("hi")
    (tmp_path / "dan smith").mkdir()
    subs, refused = discover(tmp_path)
    assert [s.student_id for s in subs] == ["alice", "bob"]
    assert any("notes.txt: not graded" in w and "Fix: move this file" in w for w in refused)
    # "dan smith/" is reported loudly, with the id to rename it to
    [dan] = [w for w in refused if "dan smith" in w]
    assert "not graded" in dan and "not a usable student id" in dan and "dan_smith" in dan


def test_stage_reads_only_the_module(course, tmp_path: Path):
    ex = course.exercises["e01_threads_io"]
    folder = tmp_path / "carol" / ex.id
    folder.mkdir(parents=True)
    (folder / "downloader.py").write_text("def download_all(u, f, max_workers=8):\n    return {}\n")
    (folder / "conftest.py").write_text("raise SystemExit\n")
    subs, _ = discover(tmp_path)
    staged = stage(subs[0], ex)
    assert staged.status == "ok" and b"download_all" in staged.source


def test_symlink_is_refused(course, tmp_path: Path):
    ex = course.exercises["e01_threads_io"]
    folder = tmp_path / "mallory" / ex.id
    folder.mkdir(parents=True)
    os.symlink("/etc/passwd", folder / "downloader.py")
    staged = stage(discover(tmp_path)[0][0], ex)
    assert staged.status == Status.INVALID and "symbolic link" in staged.message


def test_broken_zip_and_syntax_error(course, tmp_path: Path):
    ex = course.exercises["e01_threads_io"]
    (tmp_path / "dan.zip").write_bytes(b"not a zip")
    _zip(tmp_path / "eve.zip", {"eve/e01_threads_io/downloader.py": "def f(:\n"})
    dan, eve = discover(tmp_path)[0]
    assert stage(dan, ex).status == Status.INVALID and "not a readable zip" in stage(dan, ex).message
    staged = stage(eve, ex)
    assert staged.status == Status.SYNTAX_ERROR and "line 1" in staged.message


def test_an_empty_submissions_folder_is_an_error_not_an_empty_gradebook(tmp_path: Path):
    with pytest.raises(CollectError, match="the submissions folder is empty. Fix:"):
        discover(tmp_path)


def test_a_folder_of_only_refused_entries_says_why_each_was_refused(tmp_path: Path):
    (tmp_path / "dan smith").mkdir()
    with pytest.raises(CollectError, match="no submission to grade") as info:
        discover(tmp_path)
    assert "dan smith" in str(info.value)


def test_one_students_folder_by_mistake_names_the_folder_to_pass(course, tmp_path: Path):
    ada = tmp_path / "demo-class" / "ada"
    for ex in course.exercises.values():
        _write(ada / ex.id / f"{ex.module}.py")
    with pytest.raises(CollectError, match="looks like one student's submission") as info:
        discover(ada)
    assert f"concurlab grade {tmp_path / 'demo-class'}" in str(info.value)


def test_a_course_folder_is_not_a_class(tmp_path: Path):
    (tmp_path / "course.yml").write_text("name: x\n")
    (tmp_path / "exercises").mkdir()
    with pytest.raises(CollectError, match="course folder"):
        discover(tmp_path)


@pytest.mark.parametrize(("layout", "expected"), [
    ({"ada/e04_bank_transfer/Bank.py": "x = 1\n"},
     "found e04_bank_transfer/Bank.py, expected e04_bank_transfer/bank.py. Fix: rename it"),
    ({"ada/exercises/e04_bank_transfer/bank.py": "x = 1\n"},
     "found exercises/e04_bank_transfer/bank.py: one folder too deep"),
    ({"ada/bank.py": "x = 1\n"}, "found bank.py. Fix: move it to e04_bank_transfer/bank.py"),
    ({"ada/e04_bank_transfer/account.py": "x = 1\n"},
     "e04_bank_transfer/ holds account.py. Fix: the module must be named bank.py"),
])
def test_not_submitted_says_what_was_found_and_where(course, tmp_path: Path, layout, expected):
    for rel, text in layout.items():
        _write(tmp_path / rel, text)
    staged = stage(discover(tmp_path)[0][0], course.exercises["e04_bank_transfer"])
    assert staged.status == Status.NOT_SUBMITTED
    assert expected in staged.message


def test_the_whole_handout_zipped_says_where_the_module_is(course, tmp_path: Path):
    _zip(tmp_path / "ada.zip", {"handout/exercises/e04_bank_transfer/bank.py": "x = 1\n",
                                "handout/README.md": "hi"})
    staged = stage(discover(tmp_path)[0][0], course.exercises["e04_bank_transfer"])
    assert staged.status == Status.NOT_SUBMITTED
    assert "found handout/exercises/e04_bank_transfer/bank.py: one folder too deep" in staged.message


def test_a_zip_inside_the_folder_is_pointed_at(course, tmp_path: Path):
    (tmp_path / "ada").mkdir()
    _zip(tmp_path / "ada" / "handout.zip", {"e04_bank_transfer/bank.py": "x = 1\n"})
    staged = stage(discover(tmp_path)[0][0], course.exercises["e04_bank_transfer"])
    assert "found handout.zip inside the submission. Fix: unzip it" in staged.message


def test_a_correct_submission_is_still_found(course, tmp_path: Path):
    _write(tmp_path / "ada" / "e04_bank_transfer" / "bank.py", REFERENCE.read_text())
    assert stage(discover(tmp_path)[0][0], course.exercises["e04_bank_transfer"]).status == "ok"


def test_archive_litter_is_skipped_without_a_word(tmp_path: Path):
    for litter in ("__MACOSX", ".git", ".DS_Store"):
        (tmp_path / litter).mkdir()
    (tmp_path / "ada").mkdir()
    subs, refused = discover(tmp_path)
    assert [s.student_id for s in subs] == ["ada"] and refused == []


def test_a_hidden_student_folder_is_reported(tmp_path: Path):
    (tmp_path / ".results").mkdir()
    (tmp_path / "ada").mkdir()
    _, refused = discover(tmp_path)
    assert len(refused) == 1 and ".results: not graded: a hidden name" in refused[0]


@pytest.mark.parametrize(("layout", "expected"), [
    ({}, "the submissions folder is empty. Fix:"),
    ({"e01_threads_io/downloader.py": "x = 1\n", "e03_race_counter/counter.py": "x = 1\n"},
     "looks like one student's submission"),
])
def test_grade_stops_with_exit_2_and_the_fix(tmp_path: Path, layout, expected):
    from click.testing import CliRunner

    from grader.cli import main

    subs = tmp_path / "subs"
    subs.mkdir()
    for rel, text in layout.items():
        _write(subs / rel, text)
    result = CliRunner().invoke(main, ["grade", str(subs), "--out", str(tmp_path / "out"),
                                       "--course", str(REFERENCE.parents[2] / "course.yml")])
    assert result.exit_code == 2 and expected in result.stderr
    assert "Usage:" not in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("out", [".", "graded"])
def test_an_out_folder_inside_the_submissions_is_refused(tmp_path: Path, out: str):
    from click.testing import CliRunner

    from grader.cli import main

    (tmp_path / "ada").mkdir()
    result = CliRunner().invoke(main, ["grade", str(tmp_path), "--out", str(tmp_path / out),
                                       "--course", str(REFERENCE.parents[2] / "course.yml")])
    assert result.exit_code == 2 and "inside the submissions folder" in result.stderr
