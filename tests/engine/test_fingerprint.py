"""A stored result is reused only while nothing that grades it changed."""

from __future__ import annotations

from pathlib import Path

import yaml

from grader.course import load_course
from tests.conftest import copy_course

EX = "e01_threads_io"


def _fingerprint(folder: Path) -> str:
    course = load_course(folder / "course.yml")
    return course.fingerprint(course.exercises[EX])


def _edit_course(folder: Path, edit) -> None:
    path = folder / "course.yml"
    data = yaml.safe_load(path.read_text())
    edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def test_inherited_defaults_are_part_of_the_fingerprint(tmp_path: Path):
    folder = copy_course(tmp_path, [EX])
    _edit_course(folder, lambda d: d["exercises"][0].pop("wall_budget", None))
    _edit_course(folder, lambda d: d["exercises"][0].pop("test_timeout", None))
    before = _fingerprint(folder)
    _edit_course(folder, lambda d: d.setdefault("defaults", {}).update(wall_budget=99))
    after_budget = _fingerprint(folder)
    assert after_budget != before, "a new default wall_budget must regrade"
    _edit_course(folder, lambda d: d["defaults"].update(test_timeout=7))
    assert _fingerprint(folder) != after_budget, "a new default test_timeout must regrade"


def test_the_reference_solution_is_part_of_the_fingerprint(tmp_path: Path):
    folder = copy_course(tmp_path, [EX])
    before = _fingerprint(folder)
    reference = folder / "solutions" / EX / "downloader.py"
    reference.write_text(reference.read_text() + "\n# tuned\n")
    assert _fingerprint(folder) != before, "speed tests time against the reference: regrade"


def test_an_unchanged_course_keeps_its_fingerprint(tmp_path: Path):
    folder = copy_course(tmp_path, [EX])
    assert _fingerprint(folder) == _fingerprint(folder)
