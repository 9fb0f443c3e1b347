"""``--format moodle``: a CSV for Moodle's gradebook import (Import > CSV file).

Moodle maps each column by hand on import: the identifier column to "Map from"
(username, email address or ID number, chosen with ``--match``), each grade
column to its grade item, and the ``(Feedback)`` column beside it to that
item's feedback.  Headers follow Moodle's own CSV export (``Item (Real)``,
``Item (Feedback)``).  A pending regrade has an empty grade (Moodle skips it)
and says so in its feedback; grades are after any late penalty, the feedback
gives the raw score and what lateness took.
"""

from __future__ import annotations

from pathlib import Path

from grader.export import Export, ExportError, ExportFormat
from grader.export.cells import csv_text, number_cell, text_cell
from grader.export.grades import exercise_grade, feedback, late_note, total_grade
from grader.store import write_text_atomic

#: --match value: (roster field, Moodle's name for it).
MATCH = {"username": ("username", "Username"), "email": ("email", "Email address"),
         "idnumber": ("id_number", "ID number")}


def write(data: Export, output: Path) -> list[str]:
    if data.match not in MATCH:
        raise ExportError(f"--match {data.match!r}: Moodle matches users by "
                          f"{', '.join(MATCH)}. Fix: pass one of them")
    field, column = MATCH[data.match]
    ids = data.results.exercise_ids
    warnings: list[str] = []
    if data.roster is None:
        if data.match != "username":
            raise ExportError(f"--match {data.match} needs the students' {column.lower()}s. "
                              "Fix: pass --roster roster.csv (or set roster: in course.yml)")
        identities = {rep.student_id: rep.student_id for rep in data.results.students}
    else:
        seen = data.roster.reconcile(data.results)
        warnings += seen.warnings(data.roster.path)
        identities = {}
        for person in seen.matched:
            value = getattr(person, field)
            if value:
                identities[person.student_id] = value
            else:
                warnings.append(f"{person.student_id}: no {field} in {data.roster.path}, left "
                                f"out. Fix: fill in the {field} column")
    header = [column]
    for ex_id in ids:
        header += [f"{data.title(ex_id)} (Real)", f"{data.title(ex_id)} (Feedback)"]
    rows = [[*header, "concurlab total (Real)", "concurlab total (Feedback)"]]
    for rep in data.results.students:
        if rep.student_id not in identities:
            continue
        row = [text_cell(identities[rep.student_id])]
        for ex_id in ids:
            ex = rep.exercises.get(ex_id)
            row += ([number_cell(exercise_grade(rep, ex).final), text_cell(feedback(rep, ex))]
                    if ex else ["", "not graded"])
        total = total_grade(rep)
        note = " ".join(filter(None, [f"{total.status}: {rep.raw_total:g}/{rep.max_total:g}",
                                      late_note(rep)]))
        rows.append([*row, number_cell(total.final), text_cell(note)])
    write_text_atomic(output, csv_text(rows))
    return warnings


FORMAT = ExportFormat("moodle", "Moodle grade import CSV, a feedback column beside each grade "
                      "(--match username|email|idnumber)", write)
