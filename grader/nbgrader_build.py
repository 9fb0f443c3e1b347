"""``concurlab nbgrader build COURSE_DIR``: the course as an nbgrader course.

``COURSE_DIR/source/<assignment>/<exercise>.ipynb`` per exercise: the README
(story, concept, task) as locked markdown, the handout's stub shown as the
starting point, a solution cell that writes the module (``%%writefile``) with
the reference between ``### BEGIN SOLUTION`` / ``### END SOLUTION``, the
visible tests as an autograded test cell (0 points: they are the student's
check), and one autograded test cell per hidden test function (its course.yml
points) whose body, between ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN
TESTS``, grades the module through concurlab (grader.nbgrader_check), so the
notebook gives the verdicts ``concurlab grade`` gives.  Notebook names and
grade ids match what ``concurlab grade --nbgrader-db`` writes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from grader.course import Course, Exercise

SCHEMA_VERSION = 3
CONFIG = """\
# nbgrader configuration written by concurlab nbgrader build.
c = get_config()
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.db_assignments = [dict(name={assignment!r})]
# The first hidden test cell of a notebook grades the whole exercise (its wall budget).
c.Execute.timeout = {timeout}
c.Execute.iopub_timeout = 60
"""


class NbgraderBuildError(Exception):
    pass


def _meta(grade_id: str, *, grade: bool = False, solution: bool = False, locked: bool = False,
          points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked,
            "schema_version": SCHEMA_VERSION, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def notebook(course: Course, ex: Exercise) -> nbformat.NotebookNode:
    course_yml = str(course.path.resolve())
    readme = course.exercise_dir(ex) / "README.md"
    stub = (course.exercise_dir(ex) / f"{ex.module}.py").read_text(encoding="utf-8")
    reference = (course.solution_dir(ex) / f"{ex.module}.py").read_text(encoding="utf-8")
    cells = [
        new_markdown_cell(readme.read_text(encoding="utf-8") if readme.is_file() else f"# {ex.title}",
                          metadata=_meta("story", locked=True)),
        new_markdown_cell(f"## Starting point\n\nWrite `{ex.module}.py` in the next cell; the "
                          f"handout's stub:\n\n```python\n{stub.rstrip()}\n```",
                          metadata=_meta("stub", locked=True)),
        new_code_cell(f"%%writefile {ex.module}.py\n### BEGIN SOLUTION\n{reference.rstrip()}\n"
                      "### END SOLUTION\n", metadata=_meta(f"{ex.module}_solution", solution=True)),
        new_code_cell(f"from grader.nbgrader_check import visible\nvisible({course_yml!r}, {ex.id!r})",
                      metadata=_meta("visible_tests", grade=True, locked=True, points=0)),
    ]
    for function, points in ex.points.items():
        cells.append(new_code_cell(
            f"# {function} ({points:g} points): a hidden test, graded by concurlab\n"
            "### BEGIN HIDDEN TESTS\nfrom grader.nbgrader_check import hidden\n"
            f"hidden({course_yml!r}, {ex.id!r}, {function!r})\n### END HIDDEN TESTS",
            metadata=_meta(function, grade=True, locked=True, points=points)))
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def build(course: Course, folder: Path, assignment: str, exercise_ids: list[str], *,
          force: bool = False) -> list[Path]:
    unknown = [e for e in exercise_ids if e not in course.exercises]
    if unknown:
        raise NbgraderBuildError(f"unknown exercise {unknown[0]} (known: {', '.join(course.exercises)})")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        if not force:
            raise NbgraderBuildError(f"{folder} exists and is not empty. Fix: choose a new folder, "
                                     "or pass --force to replace it")
        shutil.rmtree(folder) if folder.is_dir() else folder.unlink()
    source = folder / "source" / assignment
    source.mkdir(parents=True)
    written = []
    for ex_id in exercise_ids:
        path = source / f"{ex_id}.ipynb"
        nbformat.write(notebook(course, course.exercises[ex_id]), path)
        written.append(path)
    config = folder / "nbgrader_config.py"
    timeout = round(2 * max(course.wall_budget(course.exercises[e]) for e in exercise_ids) + 60)
    config.write_text(CONFIG.format(course_id=course.name, assignment=assignment, timeout=timeout),
                      encoding="utf-8")
    return [config, *written]
