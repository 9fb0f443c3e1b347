"""Collecting submissions: only the contract's module, from folders or zips."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from grader.collect import discover, stage


def test_discover_folders_zips_and_warns_about_the_rest(tmp_path: Path):
    (tmp_path / "alice").mkdir()
    with zipfile.ZipFile(tmp_path / "bob.zip", "w") as zf:
        zf.writestr("e01_threads_io/downloader.py", "x = 1\n")
    (tmp_path / "notes.txt").write_text("hi")
    (tmp_path / "bad name").mkdir()
    subs, warnings = discover(tmp_path)
    assert [s.student_id for s in subs] == ["alice", "bob"]
    assert any("notes.txt: ignored" in w for w in warnings)
    assert any("'bad name' is not a usable student id" in w for w in warnings)


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
    assert staged.status == "invalid" and "symbolic link" in staged.message


def test_broken_zip_and_syntax_error(course, tmp_path: Path):
    ex = course.exercises["e01_threads_io"]
    (tmp_path / "dan.zip").write_bytes(b"not a zip")
    with zipfile.ZipFile(tmp_path / "eve.zip", "w") as zf:
        zf.writestr("eve/e01_threads_io/downloader.py", "def f(:\n")
    dan, eve = discover(tmp_path)[0]
    assert stage(dan, ex).status == "invalid" and "not a readable zip" in stage(dan, ex).message
    staged = stage(eve, ex)
    assert staged.status == "syntax error" and "line 1" in staged.message
