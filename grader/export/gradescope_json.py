"""``--format gradescope-json``: Gradescope's autograder ``results.json``, one per student.

The same document the Gradescope autograder zip writes to
``/autograder/results/results.json`` (see grader/gradescope).  Fields from
Gradescope's published spec: top level ``score``, ``execution_time``, ``output``,
``tests[]`` with ``name``, ``score``, ``max_score``, ``status``, ``output``,
``visibility``.

Inconclusive (the machine could not measure it): Gradescope has no "pending",
so such a test carries its ``max_score`` but no ``score`` and no ``status`` (the
spec allows a test without a score when the top level has one), its output
starts ``PENDING REGRADE``, and the top-level output says how many points wait.
The top-level ``score`` is what is earned so far, after any late penalty.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from grader.course import Course
from grader.export import Export, ExportFormat
from grader.export.folder import prepare, student_file
from grader.export.grades import late_note, total_grade
from grader.results import Outcome, StudentReport
from grader.store import write_text_atomic

VISIBILITY = ("hidden", "after_due_date", "after_published", "visible")


def results_json(rep: StudentReport, course: Course, visibility: str = "visible") -> dict[str, Any]:
    tests: list[dict[str, Any]] = []
    pending_points = 0.0
    for ex_id, ex in rep.exercises.items():
        title = course.exercises[ex_id].title if ex_id in course.exercises else ex_id
        for test in ex.tests:
            entry: dict[str, Any] = {"name": f"{ex_id}: {test.name}", "max_score": test.max_points,
                                     "visibility": visibility}
            message = test.message.strip() or (ex.message.strip() if not ex.status.ran else "")
            if test.outcome is Outcome.INCONCLUSIVE:
                pending_points += test.max_points
                entry["output"] = ("PENDING REGRADE: this machine could not measure it; the "
                                   f"{test.max_points:g} points are not lost. {message}").strip()
            else:
                entry["score"] = test.points
                entry["status"] = "passed" if test.outcome is Outcome.PASSED else "failed"
                entry["output"] = message if test.outcome is not Outcome.PASSED else ""
            entry["extra_data"] = {"exercise": ex_id, "title": title, "outcome": test.outcome.value,
                                   "exercise_status": ex.status.value}
            tests.append(entry)
    total = total_grade(rep)
    lines = [f"{course.name}: {rep.total:g}/{rep.max_total:g}"]
    if rep.late:
        lines.append(late_note(rep))
    if pending_points or total.pending:
        lines.append(f"PENDING REGRADE: {pending_points:g} points could not be measured on this "
                     "machine and wait for a regrade; this score is not final.")
    for ex_id, ex in rep.exercises.items():
        lines.append(f"{ex_id}: {ex.score:g}/{ex.max_score:g} ({ex.status.value})"
                     + (f": {ex.message}" if ex.message and not ex.status.ran else ""))
    return {
        "score": rep.total,
        "execution_time": round(sum(ex.duration for ex in rep.exercises.values())),
        "output": "\n".join(lines),
        "visibility": visibility,
        "tests": tests,
        "extra_data": {"raw_score": rep.raw_total, "late_penalty": total.penalty,
                       "final": not total.pending, "pending_points": pending_points},
    }


def write(data: Export, output: Path) -> list[str]:
    prepare(output)
    for rep in data.results.students:
        text = json.dumps(results_json(rep, data.course), indent=2, ensure_ascii=False)
        write_text_atomic(student_file(output, rep.student_id, ".json"), text + "\n")
    return []


FORMAT = ExportFormat("gradescope-json", "Gradescope results.json, one <student>.json per student "
                      "(a folder)", write)
