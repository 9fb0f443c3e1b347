"""`concurlab nbgrader build`, then the real nbgrader: generate_assignment, two students'
submissions (the reference and a mutant), autograde, export; the mutant loses exactly the
points of the hidden tests it must fail."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

nbformat = pytest.importorskip("nbformat")
nbgrader_api = pytest.importorskip("nbgrader.api")

from grader.cli import main  # noqa: E402
from grader.course import load_course, mutant_rejects  # noqa: E402
from tests.conftest import ROOT  # noqa: E402

EX = "e03_race_counter"
MUTANT = "class_lock.py"
ASSIGNMENT = "concurrency"


def build(folder: Path, *extra: str):
    return CliRunner().invoke(main, ["nbgrader", "build", str(folder), "--course",
                                     str(ROOT / "course.yml"), "--exercise", EX,
                                     "--assignment", ASSIGNMENT, *extra])


def nbgrader(course_dir: Path, *args: str) -> subprocess.CompletedProcess:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run([str(bin_dir / "nbgrader"), *args], cwd=course_dir, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_the_source_notebook_carries_the_exercise_with_nbgrader_metadata(tmp_path):
    assert build(tmp_path / "nb").exit_code == 0
    course = load_course(ROOT / "course.yml")
    ex = course.exercises[EX]
    nb = nbformat.read(tmp_path / "nb" / "source" / ASSIGNMENT / f"{EX}.ipynb", as_version=4)
    nbformat.validate(nb)
    metas = [c.metadata["nbgrader"] for c in nb.cells]
    for meta in metas:
        assert meta["schema_version"] == 3 and {"grade_id", "locked", "solution", "grade", "task"} <= set(meta)
    assert len({m["grade_id"] for m in metas}) == len(metas)
    solution = [c for c in nb.cells if c.metadata["nbgrader"]["solution"]]
    assert len(solution) == 1 and solution[0].source.startswith(f"%%writefile {ex.module}.py\n### BEGIN SOLUTION\n")
    hidden = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
              if "### BEGIN HIDDEN TESTS" in c.source}
    assert {k: c.metadata["nbgrader"]["points"] for k, c in hidden.items()} == ex.points
    assert all(c.metadata["nbgrader"]["locked"] and c.source.rstrip().endswith("### END HIDDEN TESTS")
               for c in hidden.values())
    assert "Race conditions" in nb.cells[0].source or ex.title in nb.cells[0].source


def test_a_course_folder_that_is_not_empty_is_refused_without_force(tmp_path):
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "notes.txt").write_text("mine")
    res = build(tmp_path / "nb")
    assert res.exit_code == 1 and "is not empty" in res.output and "--force" in res.output
    assert (tmp_path / "nb" / "notes.txt").exists()
    assert build(tmp_path / "nb", "--force").exit_code == 0
    assert not (tmp_path / "nb" / "notes.txt").exists()


@pytest.mark.slow
def test_generate_autograde_export_round_trip(tmp_path):
    course = load_course(ROOT / "course.yml")
    ex = course.exercises[EX]
    folder = tmp_path / "nb"
    assert build(folder).exit_code == 0
    nbgrader(folder, "generate_assignment", ASSIGNMENT, "--force")
    released = folder / "release" / ASSIGNMENT / f"{EX}.ipynb"
    sources = {"ada": course.solution_dir(ex) / f"{ex.module}.py",
               "linus": course.mutants_dir(ex) / MUTANT}
    for sid, module in sources.items():
        nb = nbformat.read(released, as_version=4)
        cell = next(c for c in nb.cells if c.metadata["nbgrader"]["solution"])
        assert "### BEGIN SOLUTION" not in cell.source  # the release hides the reference
        cell.source = f"%%writefile {ex.module}.py\n{module.read_text()}"
        out = folder / "submitted" / sid / ASSIGNMENT
        out.mkdir(parents=True)
        nbformat.write(nb, out / f"{EX}.ipynb")
    nbgrader(folder, "autograde", ASSIGNMENT, "--force")
    nbgrader(folder, "export", f"--to={tmp_path / 'grades.csv'}")
    rows = {r["student_id"]: r for r in csv.DictReader((tmp_path / "grades.csv").open())}
    rejected = mutant_rejects(course.mutants_dir(ex) / MUTANT)
    assert float(rows["ada"]["score"]) == float(rows["ada"]["max_score"]) == ex.max_score
    assert float(rows["linus"]["score"]) == ex.max_score - sum(ex.points[t] for t in rejected)
    with nbgrader_api.Gradebook(f"sqlite:///{folder / 'gradebook.db'}") as gb:
        lost = {g.name for g in gb.find_submission_notebook(EX, ASSIGNMENT, "linus").grades
                if g.score < g.max_score}
    assert lost == rejected
