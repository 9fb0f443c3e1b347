"""``concurlab grade --nbgrader-db gradebook.db --assignment NAME``: grades into nbgrader.

Written through nbgrader's own ``Gradebook`` API, so formgrader and
``nbgrader export`` show them: the assignment has one notebook per exercise
(named by exercise id, as ``concurlab nbgrader build`` names them) and one grade
cell per hidden test function with its course.yml points; each student gets a
submission whose grades are the tests' points.  An inconclusive test has no
score and "needs manual grade" (formgrader's own pending state); a late
penalty is each notebook's ``late_submission_penalty``.  Needs the ``lms`` extra.
"""

from __future__ import annotations

import os
import sys
import warnings as python_warnings
from collections import defaultdict
from pathlib import Path

from grader.export import Export, ExportError
from grader.export.grades import penalty_fraction
from grader.results import ExerciseResult, Outcome


def function_scores(ex: ExerciseResult) -> dict[str, float | None]:
    """Points per hidden test function (parametrised cases summed); None while one is pending."""
    scores: dict[str, float | None] = defaultdict(float)
    for test in ex.tests:
        current = scores[test.function]
        scores[test.function] = (None if current is None or test.outcome is Outcome.INCONCLUSIVE
                                 else round(current + test.points, 6))
    return dict(scores)


def write_gradebook(data: Export, db: Path, assignment: str) -> list[str]:
    try:
        from nbgrader.api import Grade, Gradebook, MissingEntry
        from sqlalchemy.exc import SAWarning
    except ImportError:
        raise ExportError("--nbgrader-db needs nbgrader. Fix: pip install 'concurlab[lms]'") from None
    warnings: list[str] = []
    ids = [e for e in data.results.exercise_ids if e in data.course.exercises]
    warnings += [f"{e}: not in {data.course.path}, left out of the gradebook"
                 for e in data.results.exercise_ids if e not in ids]
    db.parent.mkdir(parents=True, exist_ok=True)
    _alembic_on_path()
    with Gradebook(f"sqlite:///{db.resolve()}") as gb:
        gb.update_or_create_assignment(assignment, duedate=data.course.policies.deadline)
        for ex_id in ids:
            gb.update_or_create_notebook(ex_id, assignment)
            for name, points in data.course.exercises[ex_id].points.items():
                gb.update_or_create_grade_cell(name, ex_id, assignment, max_score=points,
                                               cell_type="code")
        for rep in data.results.students:
            person = data.roster.people.get(rep.student_id) if data.roster else None
            first, _, last = (person.name if person else "").partition(" ")
            gb.update_or_create_student(rep.student_id, first_name=first or None,
                                        last_name=last or None,
                                        email=(person.email if person else "") or None)
            try:
                submission = gb.find_submission(assignment, rep.student_id)
            except MissingEntry:
                with python_warnings.catch_warnings():
                    # nbgrader's add_submission builds rows before adding them (SQLAlchemy warns).
                    python_warnings.simplefilter("ignore", SAWarning)
                    submission = gb.add_submission(assignment, rep.student_id)
            notebooks = {nb.name: nb for nb in submission.notebooks}
            for ex_id in ids:
                nb = notebooks[ex_id]
                ex = rep.exercises.get(ex_id)
                scores = function_scores(ex) if ex else {}
                grades = {g.name: g for g in nb.grades}
                for cell in nb.notebook.grade_cells:
                    grade = grades.get(cell.name) or Grade(cell_id=cell.id, notebook=nb)
                    score = scores.get(cell.name, 0.0) if ex else None
                    grade.auto_score = score
                    grade.needs_manual_grade = score is None
                nb.late_submission_penalty = (round(ex.score * penalty_fraction(rep), 4)
                                              if ex and rep.late else None)
                if ex is None:
                    warnings.append(f"{rep.student_id}: {ex_id} not graded: needs manual grade")
        gb.db.commit()
    return warnings


def _alembic_on_path() -> None:
    """nbgrader runs the ``alembic`` command to stamp a new database: find it beside Python."""
    here = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", "")
    if here not in path.split(os.pathsep):
        os.environ["PATH"] = here + os.pathsep + path if path else here
