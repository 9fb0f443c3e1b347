"""Gradebook outputs: grades.csv, <student>/report.json and <student>/feedback.md."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from grader.course import Course
from grader.results import Outcome, Status, StudentReport
from grader.store import write_json_atomic, write_text_atomic

MARKS = {Outcome.PASSED: "PASS", Outcome.FAILED: "FAIL", Outcome.ERROR: "ERROR",
         Outcome.SKIPPED: "SKIP", Outcome.INCONCLUSIVE: "REGRADE"}
#: Statuses whose tests never ran: feedback shows the status alone.
_NOTHING_RAN = (Status.NOT_SUBMITTED, Status.SYNTAX_ERROR, Status.INVALID)


def grades_header(exercise_ids: Sequence[str]) -> list[str]:
    """One score and one status column per exercise, so a pending score never looks final."""
    return ["student_id", *(col for e in exercise_ids for col in (e, f"{e}_status")),
            "total", "max_total"]


def write_reports(course: Course, out: Path, reports: Sequence[StudentReport],
                  exercise_ids: Sequence[str]) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(grades_header(exercise_ids))
    for rep in sorted(reports, key=lambda r: r.student_id):
        cells = [cell for e in exercise_ids
                 for cell in (_num(rep.exercises[e].score), rep.exercises[e].status.value)]
        writer.writerow([rep.student_id, *cells, _num(rep.total), _num(rep.max_total)])
        folder = out / rep.student_id
        write_json_atomic(folder / "report.json", rep.to_json())
        write_text_atomic(folder / "feedback.md", feedback(course, rep))
    write_text_atomic(out / "grades.csv", buf.getvalue())


def feedback(course: Course, rep: StudentReport) -> str:
    """What the student reads: per exercise, the score and what each test said."""
    lines = [f"# {course.name}: feedback for {rep.student_id}", "",
             f"Total: **{_num(rep.total)} / {_num(rep.max_total)}**", ""]
    if rep.late is not None:
        late = rep.late
        lines += [f"Submitted {late.days} day(s) late: {late.penalty:.0%} taken from "
                  f"{_num(late.total_before_penalty)}.", ""]
    for ex_id, ex in rep.exercises.items():
        title = course.exercises[ex_id].title if ex_id in course.exercises else ex_id
        lines += [f"## {ex_id}: {title} ({_num(ex.score)} / {_num(ex.max_score)})", ""]
        if ex.status is not Status.GRADED:
            lines += [f"Status: {ex.status}" + (f": {ex.message}" if ex.message else ""), ""]
            if ex.status in _NOTHING_RAN:
                continue
        for test in ex.tests:
            mark = MARKS[test.outcome]
            lines.append(f"- {mark} `{test.name}` ({_num(test.points)}/{_num(test.max_points)})")
            if test.outcome is not Outcome.PASSED and test.message:
                lines += ["", "  ```", *("  " + ln for ln in test.message.splitlines()), "  ```", ""]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _num(x: float) -> str:
    return f"{x:g}"
