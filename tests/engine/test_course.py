"""course.yml validation: one clear line naming the file, the key and the fix."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grader.course import CourseError, check_course_tree, load_course
from tests.conftest import ROOT, copy_course


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return copy_course(tmp_path, ["e01_threads_io"])


def edit(tree: Path, change) -> Path:
    path = tree / "course.yml"
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data))
    return path


def test_the_real_course_is_valid():
    course = load_course(ROOT / "course.yml")
    assert check_course_tree(course) == []


def test_unknown_key_names_key_and_fix(tree):
    path = edit(tree, lambda d: d["exercises"][0].update(pionts=3))
    with pytest.raises(CourseError) as err:
        load_course(path)
    msg = str(err.value)
    assert "exercises[e01_threads_io].pionts: unknown key" in msg
    assert "points" in msg and str(path) in msg


def test_negative_points(tree):
    path = edit(tree, lambda d: d["exercises"][0]["points"].update(test_bad_arguments=-1))
    with pytest.raises(CourseError, match=r"points\.test_bad_arguments: .*greater than or equal to 0"):
        load_course(path)


def test_missing_exercise_folder(tree):
    shutil.rmtree(tree / "exercises/e01_threads_io")
    with pytest.raises(CourseError, match=r"exercises\[e01_threads_io\]\.id: no folder exercises/e01"):
        load_course(tree / "course.yml")


def test_module_that_does_not_exist(tree):
    path = edit(tree, lambda d: d["exercises"][0].update(module="downloadr"))
    with pytest.raises(CourseError, match=r"\.module: stub exercises/e01_threads_io/downloadr\.py does not exist"):
        load_course(path)


def test_points_must_match_hidden_tests(tree):
    def rename(d):
        d["exercises"][0]["points"]["test_renamed"] = d["exercises"][0]["points"].pop("test_bad_arguments")
    path = edit(tree, rename)
    problems = check_course_tree(load_course(path, check_tree=False))
    assert any("hidden test test_bad_arguments has no points" in p for p in problems)
    assert any("points.test_renamed: no hidden test has this name" in p for p in problems)


def test_broken_yaml_gives_line(tree):
    (tree / "course.yml").write_text("name: x\nexercises:\n  - id: [unclosed\n")
    with pytest.raises(CourseError, match=r"line \d+ is not valid YAML"):
        load_course(tree / "course.yml")


def test_mutant_first_line_is_checked(tree):
    (tree / "tests/mutants/e01_threads_io/bad.py").write_text("def download_all(): pass\n")
    problems = check_course_tree(load_course(tree / "course.yml", check_tree=False))
    assert any("first line must be '# rejects:" in p for p in problems)


def test_cli_exits_2_with_one_line_and_no_traceback(tree):
    edit(tree, lambda d: d.update(nmae="typo"))
    proc = subprocess.run([sys.executable, "-m", "grader.cli", "validate", "--course",
                           str(tree / "course.yml")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "nmae: unknown key" in proc.stderr
    assert "Traceback" not in proc.stderr
