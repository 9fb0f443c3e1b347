"""Gradebook outputs: grades.csv, <student>/report.json and <student>/feedback.md."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from grader.course import Course
from grader.escape import csv_cell, encodable, markdown_code, markdown_text
from grader.results import Outcome, Status, StudentReport
from grader.store import write_json_atomic, write_text_atomic

MARKS = {Outcome.PASSED: "PASS", Outcome.FAILED: "FAIL", Outcome.ERROR: "ERROR",
         Outcome.SKIPPED: "SKIP", Outcome.INCONCLUSIVE: "REGRADE"}


def grades_header(exercise_ids: Sequence[str]) -> list[str]:
    """One score and one status column per exercise, so a pending score never looks final."""
    return ["student_id", *(col for e in exercise_ids for col in (e, f"{e}_status")),
            "total", "max_total"]


def write_reports(course: Course, out: Path, reports: Sequence[StudentReport],
                  exercise_ids: Sequence[str]) -> list[str]:
    """Write every student's report, then grades.csv; returns what could not be written.

    One student's report failing to write (a full disk, a folder in the way) never
    stops the others or the gradebook.
    """
    problems: list[str] = []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(grades_header(exercise_ids))
    for rep in sorted(reports, key=lambda r: r.student_id):
        cells = [cell for e in exercise_ids
                 for cell in (_num(rep.exercises[e].score), rep.exercises[e].status.value)]
        writer.writerow([csv_cell(rep.student_id), *cells, _num(rep.total), _num(rep.max_total)])
        folder = out / rep.student_id
        try:
            write_json_atomic(folder / "report.json", rep.to_json())
            write_text_atomic(folder / "feedback.md", feedback(course, rep))
        except (OSError, ValueError) as exc:
            problems.append(f"{encodable(str(folder))}: report not written ({type(exc).__name__}: "
                            f"{encodable(str(exc))}); grades.csv has the student's scores")
    write_text_atomic(out / "grades.csv", encodable(buf.getvalue()))
    return problems


def unsandboxed(rep: StudentReport) -> list[str]:
    """Exercises of this report graded without the sandbox (said on top of every report)."""
    return [ex_id for ex_id, ex in rep.exercises.items() if ex.sandbox == "off"]


def feedback(course: Course, rep: StudentReport) -> str:
    """What the student reads: per exercise, the score and what each test said.

    Everything the submission could have shaped (messages, evidence) is in a code
    fence it cannot close; the text is made encodable, so writing it cannot fail.
    """
    lines = [f"# {course.name}: feedback for {markdown_text(rep.student_id)}", ""]
    off = unsandboxed(rep)
    if off:
        lines += [f"> **Graded without the sandbox** ({', '.join(off)}): the submission ran with "
                  "process-level limits only (concurlab grade --no-sandbox).", ""]
    lines += [f"Total: **{_num(rep.total)} / {_num(rep.max_total)}**", ""]
    if rep.late is not None:
        late = rep.late
        lines += [f"Submitted {late.days} day(s) late: {late.penalty:.0%} taken from "
                  f"{_num(late.total_before_penalty)}.", ""]
    for ex_id, ex in rep.exercises.items():
        title = course.exercises[ex_id].title if ex_id in course.exercises else ex_id
        lines += [f"## {ex_id}: {title} ({_num(ex.score)} / {_num(ex.max_score)})", ""]
        if ex.status is not Status.GRADED:
            lines += [f"Status: {markdown_text(ex.status.value)}", ""]
            if ex.message:
                lines += [*markdown_code(ex.message), ""]
            if not ex.status.ran:
                continue
        for test in ex.tests:
            lines.append(f"- {MARKS[test.outcome]} `{test.name}` ({_num(test.points)}/{_num(test.max_points)})")
            if test.outcome is not Outcome.PASSED and test.message:
                lines += ["", *markdown_code(test.message, indent="  "), ""]
        lines.append("")
    return encodable("\n".join(lines).rstrip() + "\n")


def _num(x: float) -> str:
    return f"{x:g}"
