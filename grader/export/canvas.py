"""``--format canvas``: a CSV for Canvas's Gradebook import (Grades > Import).

Canvas's columns: ``Student, ID, SIS User ID, SIS Login ID, Section``, then one
column per assignment (a header Canvas does not know creates that assignment),
and a ``Points Possible`` row first.  Identities come from the roster.  A cell
left empty changes nothing in Canvas: pending regrades are empty, never 0.
Scores are after any late penalty; the ``Notes`` column (Canvas's teacher-notes
column) says the raw score and what lateness took.
"""

from __future__ import annotations

from pathlib import Path

from grader.export import Export, ExportFormat
from grader.export.cells import csv_text, number_cell, text_cell
from grader.export.grades import exercise_grade, late_note, total_grade
from grader.export.roster import Person
from grader.results import StudentReport
from grader.store import write_text_atomic

IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
TOTAL = "concurlab total"
NOTES = "Notes"


def assignment_column(data: Export, exercise_id: str) -> str:
    return f"{exercise_id}: {data.title(exercise_id)}"


def write(data: Export, output: Path) -> list[str]:
    roster = data.require_roster("canvas")
    ids = data.results.exercise_ids
    seen = roster.reconcile(data.results)
    max_points = [data.course.exercises[e].max_score if e in data.course.exercises else
                  max(r.exercises[e].max_score for r in data.results.students if e in r.exercises)
                  for e in ids]
    rows = [[*IDENTITY, *(assignment_column(data, e) for e in ids), TOTAL, NOTES],
            ["Points Possible", "", "", "", "", *map(number_cell, max_points),
             number_cell(sum(max_points)), ""]]
    for person in seen.matched:
        rows.append(_identity(person) + _scores(data.results.student(person.student_id), ids))
    for person in seen.never_graded:
        rows.append(_identity(person) + [""] * (len(ids) + 1) + ["never graded by concurlab"])
    write_text_atomic(output, csv_text(rows))
    return seen.warnings(roster.path)


def _identity(p: Person) -> list[str]:
    return [text_cell(v) for v in (p.name or p.student_id, p.canvas_id, p.sis_user_id,
                                   p.sis_login_id, p.section)]


def _scores(rep: StudentReport, ids: tuple[str, ...]) -> list[str]:
    grades = [exercise_grade(rep, rep.exercises[e]) if e in rep.exercises else None for e in ids]
    total = total_grade(rep)
    pending = [e for e, g in zip(ids, grades, strict=True) if g is None or g.pending]
    notes = [late_note(rep)] if rep.late else []
    if pending:
        notes.append(f"pending regrade, left empty: {', '.join(pending)}")
    return [*(number_cell(g.final if g else None) for g in grades), number_cell(total.final),
            text_cell(" ".join(notes))]


FORMAT = ExportFormat("canvas", "Canvas Gradebook import CSV (needs --roster)", write)
