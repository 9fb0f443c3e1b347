"""Gradebook outputs: grades.csv, <student>/report.json and <student>/feedback.md."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from grader.course import Course
from grader.escape import csv_cell, encodable, markdown_code, markdown_text
from grader.results import Status
from grader.store import write_json_atomic, write_text_atomic

MARKS = {"passed": "PASS", "failed": "FAIL", "error": "ERROR", "skipped": "SKIP",
         "inconclusive": "REGRADE"}


def student_report(student_id: str, results: dict[str, dict], late: tuple[int, float] = (0, 0.0)) -> dict:
    """The per-student record; ``late`` is (days late, fraction taken) from the late policy."""
    exercises = {
        ex_id: {key: r[key] for key in ("score", "max_score", "status", "message", "tests", "sandbox")
                if key in r}
        for ex_id, r in results.items()
    }
    raw = round(sum(r["score"] for r in results.values()), 4)
    report = {
        "student_id": student_id,
        "total": round(raw * (1 - late[1]), 4),
        "max_total": round(sum(r["max_score"] for r in results.values()), 4),
        "exercises": exercises,
    }
    if late[0]:
        report["late"] = {"days": late[0], "penalty": late[1], "total_before_penalty": raw}
    return report


def write_reports(course: Course, out: Path, reports: list[dict], exercise_ids: list[str]) -> list[str]:
    """Write every student's report, then grades.csv; returns what could not be written.

    One student's report failing to write (a full disk, a folder in the way) never
    stops the others or the gradebook.
    """
    problems: list[str] = []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student_id", *exercise_ids, "total", "max_total"])
    for rep in sorted(reports, key=lambda r: r["student_id"]):
        writer.writerow([csv_cell(rep["student_id"]),
                         *(_num(rep["exercises"][e]["score"]) for e in exercise_ids),
                         _num(rep["total"]), _num(rep["max_total"])])
        folder = out / rep["student_id"]
        try:
            write_json_atomic(folder / "report.json", rep)
            write_text_atomic(folder / "feedback.md", feedback(course, rep))
        except (OSError, ValueError) as exc:
            problems.append(f"{encodable(str(folder))}: report not written ({type(exc).__name__}: "
                            f"{encodable(str(exc))}); grades.csv has the student's scores")
    write_text_atomic(out / "grades.csv", encodable(buf.getvalue()))
    return problems


def unsandboxed(rep: dict) -> list[str]:
    """Exercises of this report graded without the sandbox (said on top of every report)."""
    return [ex_id for ex_id, ex in rep["exercises"].items() if ex.get("sandbox") == "off"]


def feedback(course: Course, rep: dict) -> str:
    """What the student reads: per exercise, the score and what each test said.

    Everything the submission could have shaped (messages, evidence) is in a code
    fence it cannot close; the text is made encodable, so writing it cannot fail.
    """
    lines = [f"# {course.name}: feedback for {markdown_text(rep['student_id'])}", ""]
    off = unsandboxed(rep)
    if off:
        lines += [f"> **Graded without the sandbox** ({', '.join(off)}): the submission ran with "
                  "process-level limits only (concurlab grade --no-sandbox).", ""]
    lines += [f"Total: **{_num(rep['total'])} / {_num(rep['max_total'])}**", ""]
    if "late" in rep:
        late = rep["late"]
        lines += [f"Submitted {late['days']} day(s) late: {late['penalty']:.0%} taken from "
                  f"{_num(late['total_before_penalty'])}.", ""]
    for ex_id, ex in rep["exercises"].items():
        title = course.exercises[ex_id].title if ex_id in course.exercises else ex_id
        lines += [f"## {ex_id}: {title} ({_num(ex['score'])} / {_num(ex['max_score'])})", ""]
        if ex["status"] != "graded":
            lines += [f"Status: {markdown_text(ex['status'])}", ""]
            if ex["message"]:
                lines += [*markdown_code(ex["message"]), ""]
            if ex["status"] in set(Status) and not Status(ex["status"]).ran:
                continue
        for test in ex["tests"]:
            mark = MARKS.get(test["outcome"], test["outcome"])
            lines.append(f"- {mark} `{test['name']}` ({_num(test['points'])}/{_num(test['max_points'])})")
            if test["outcome"] != "passed" and test["message"]:
                lines += ["", *markdown_code(test["message"], indent="  "), ""]
        lines.append("")
    return encodable("\n".join(lines).rstrip() + "\n")


def _num(x: float) -> str:
    return f"{x:g}"
