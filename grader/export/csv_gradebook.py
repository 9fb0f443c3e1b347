"""``--format csv``: the full gradebook, per exercise raw score, late penalty, final and status.

A pending regrade has an empty final cell and says so in its status; the
total is pending while any exercise is.
"""

from __future__ import annotations

from pathlib import Path

from grader.export import Export, ExportFormat
from grader.export.cells import csv_text, number_cell, text_cell
from grader.export.grades import Grade, exercise_grade, total_grade
from grader.store import write_text_atomic


def header(exercise_ids: tuple[str, ...]) -> list[str]:
    columns = ["student_id"]
    for ex_id in exercise_ids:
        columns += [f"{ex_id} raw", f"{ex_id} penalty", f"{ex_id} final", f"{ex_id} max",
                    f"{ex_id} status"]
    return [*columns, "days_late", "late_penalty", "total raw", "total penalty", "total final",
            "total max", "total status"]


def _cells(grade: Grade) -> list[str]:
    return [number_cell(grade.raw), number_cell(grade.penalty), number_cell(grade.final),
            number_cell(grade.max), text_cell(grade.status)]


def write(data: Export, output: Path) -> list[str]:
    ids = data.results.exercise_ids
    rows = [header(ids)]
    warnings = []
    for rep in data.results.students:
        row = [text_cell(rep.student_id)]
        for ex_id in ids:
            if ex_id in rep.exercises:
                row += _cells(exercise_grade(rep, rep.exercises[ex_id]))
            else:
                row += ["", "", "", "", "not graded"]
                warnings.append(f"{rep.student_id}: {ex_id} was not graded: its cells are empty")
        total = total_grade(rep)
        row += [str(rep.late.days if rep.late else 0),
                number_cell(rep.late.penalty if rep.late else 0.0), *_cells(total)]
        rows.append(row)
    write_text_atomic(output, csv_text(rows))
    return warnings


FORMAT = ExportFormat("csv", "the full gradebook: raw, penalty, final and status per exercise", write)
