"""A graded class -> one score per (student, line item): each exercise and the total.

Line items are matched by ``resourceId`` (the exercise id, or ``total``); a missing one is
created with the exercise's points and title.  An inconclusive result is sent with
``gradingProgress: Pending`` (a regrade is coming), never as a final grade.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.course import Course
from grader.lti.client import Client, LineItem
from grader.lti.ledger import Ledger, payload_digest, score_key
from grader.lti.settings import Platform
from grader.results import ClassResult, ExerciseResult, StudentReport

TOTAL = "total"


@dataclass
class PushSummary:
    pushed: int = 0
    unchanged: int = 0
    created: list[str] = field(default_factory=list)       # line items created
    not_on_roster: list[str] = field(default_factory=list)  # graded, but no LTI user id
    never_graded: list[str] = field(default_factory=list)   # on the roster, no results
    retries: int = 0


def now() -> str:
    """An ISO 8601 timestamp with subsecond precision and an offset, as AGS asks."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _score(user_id: str, given: float, maximum: float, final: bool, comment: str) -> dict[str, Any]:
    return {"userId": user_id, "scoreGiven": round(given, 4), "scoreMaximum": maximum,
            "activityProgress": "Completed",
            "gradingProgress": "FullyGraded" if final else "Pending", "comment": comment}


def exercise_score(user_id: str, result: ExerciseResult, penalty: float) -> dict[str, Any]:
    given = result.score * (1 - penalty)
    comment = f"{result.exercise}: {result.score:g}/{result.max_score:g}, {result.status.value}"
    if penalty:
        comment += f"; late: {penalty:.0%} taken"
    if not result.status.final:
        comment += "; the machine could not measure everything: a regrade is pending"
    return _score(user_id, given, result.max_score, result.status.final, comment)


def total_score(user_id: str, rep: StudentReport) -> dict[str, Any]:
    comment = f"total {rep.total:g}/{rep.max_total:g}"
    if rep.late is not None:
        comment += f" after a late penalty of {rep.late.penalty:.0%} (raw {rep.raw_total:g})"
    if not rep.final:
        comment += "; some exercises await a regrade"
    return _score(user_id, rep.total, rep.max_total, rep.final, comment)


def push_class(course: Course, graded: ClassResult, platform: Platform, client: Client,
               ledger_path: Path, on_push: Callable[[str, str], None] | None = None) -> PushSummary:
    summary = PushSummary()
    graded_ids = {rep.student_id for rep in graded.students}
    summary.not_on_roster = sorted(graded_ids - platform.roster.keys())
    summary.never_graded = sorted(platform.roster.keys() - graded_ids)
    items = _line_items(course, graded, client, summary)
    ledger = Ledger(ledger_path)
    for rep in graded.students:
        user_id = platform.roster.get(rep.student_id)
        if user_id is None:
            continue
        penalty = rep.late.penalty if rep.late else 0.0
        scores = [(ex_id, exercise_score(user_id, res, penalty)) for ex_id, res in rep.exercises.items()]
        scores.append((TOTAL, total_score(user_id, rep)))
        for resource_id, score in scores:
            key = score_key(platform.name, resource_id, user_id)
            digest, entry = payload_digest(score), ledger.get(key)
            if entry is not None and entry.digest == digest and entry.done:
                summary.unchanged += 1
                continue
            # An unconfirmed send of the same score goes again with the same timestamp.
            stamp = entry.timestamp if entry is not None and entry.digest == digest else now()
            ledger.sent(key, digest, stamp)
            client.post_score(items[resource_id], {**score, "timestamp": stamp})
            ledger.done(key, digest, stamp)
            summary.pushed += 1
            if on_push:
                on_push(rep.student_id, resource_id)
    summary.retries = client.retries
    return summary


def _line_items(course: Course, graded: ClassResult, client: Client,
                summary: PushSummary) -> dict[str, LineItem]:
    """The line item of each exercise graded and of the total, created where missing."""
    wanted: dict[str, tuple[str, float]] = {}
    for ex_id in graded.exercise_ids:
        ex = course.exercises.get(ex_id)
        maximum = ex.max_score if ex else max(r.exercises[ex_id].max_score for r in graded.students
                                              if ex_id in r.exercises)
        wanted[ex_id] = (ex.title if ex else ex_id, maximum)
    wanted[TOTAL] = (f"{course.name}: total", max(r.max_total for r in graded.students))
    found = {item.resource_id: item for item in client.line_items()}
    items: dict[str, LineItem] = {}
    for resource_id, (label, maximum) in wanted.items():
        if resource_id not in found:
            found[resource_id] = client.create_line_item(resource_id, label, maximum)
            summary.created.append(resource_id)
        items[resource_id] = found[resource_id]
    return items
