"""A stored result is reused only while nothing that grades it changed."""

from __future__ import annotations

from pathlib import Path

from grader.course import load_course
from tests.conftest import copy_course, edit_course

EX = "e01_threads_io"


def _fingerprint(folder: Path) -> str:
    course = load_course(folder / "course.yml")
    return course.fingerprint(course.exercises[EX])



def test_inherited_defaults_are_part_of_the_fingerprint(tmp_path: Path):
    folder = copy_course(tmp_path, [EX])
    edit_course(folder, lambda d: d["exercises"][0].pop("wall_budget", None))
    edit_course(folder, lambda d: d["exercises"][0].pop("test_timeout", None))
    before = _fingerprint(folder)
    edit_course(folder, lambda d: d.setdefault("defaults", {}).update(wall_budget=99))
    after_budget = _fingerprint(folder)
    assert after_budget != before, "a new default wall_budget must regrade"
    edit_course(folder, lambda d: d["defaults"].update(test_timeout=7))
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
