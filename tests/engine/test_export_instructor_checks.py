"""The instructor's first hour: course.yml typos and an option that would silently do nothing
are refused with one line that names the file and the fix (no click "Usage:" block)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.course import THRESHOLDS
from grader.speedup.timing import DEFAULT_THRESHOLDS
from tests.conftest import copy_course, edit_course


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return copy_course(tmp_path / "course", ["e03_race_counter"])



def _validate(tree: Path):
    return CliRunner().invoke(main, ["validate", "--course", str(tree / "course.yml")])


def test_a_threshold_typo_is_refused_naming_the_known_ones(tree):
    edit_course(tree, lambda d: d["exercises"][0].update(thresholds={"reference_sppedup": 1.2}))
    res = _validate(tree)
    assert res.exit_code == 2
    assert "exercises[e03_race_counter].thresholds: unknown threshold reference_sppedup" in res.output
    assert "reference_speedup" in res.output and "Usage:" not in res.output


def test_the_known_thresholds_are_the_ones_the_speed_judge_reads():
    assert set(THRESHOLDS) == set(DEFAULT_THRESHOLDS)


def test_an_exercise_folder_course_yml_does_not_list_is_reported(tree):
    (tree / "exercises" / "e14_forgotten").mkdir()
    res = _validate(tree)
    assert res.exit_code == 2
    assert "exercises/e14_forgotten is not listed" in res.output and "- id: e14_forgotten" in res.output
    assert "Usage:" not in res.output


def test_a_valid_tree_passes(tree):
    res = _validate(tree)
    assert res.exit_code == 0 and "OK (1 exercises" in res.output


def test_submitted_at_without_a_deadline_is_refused_with_the_fix(tree, tmp_path):
    times = tmp_path / "times.csv"
    times.write_text("student_id,submitted_at\nada,2026-12-20T10:00:00+00:00\n")
    (tmp_path / "subs").mkdir()
    res = CliRunner().invoke(main, ["grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                                    "--course", str(tree / "course.yml"), "--submitted-at", str(times)])
    assert res.exit_code == 1 and "sets no policies.deadline" in res.output
    assert "Fix: set policies.deadline" in res.output and "Usage:" not in res.output
