"""Late policy: penalties from course.yml and the times students submitted.

Times come from a CSV (``student_id,submitted_at`` with ISO 8601 times, as
LMS exports give them); a student without a time is not penalised.
"""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime
from pathlib import Path

from grader.course import Policies


class PolicyError(Exception):
    pass


def read_submission_times(path: Path) -> dict[str, datetime]:
    times: dict[str, datetime] = {}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or not {"student_id", "submitted_at"} <= set(reader.fieldnames):
            raise PolicyError(f"{path}: the header must be student_id,submitted_at")
        for line, row in enumerate(reader, start=2):
            try:
                when = datetime.fromisoformat(row["submitted_at"].strip())
            except ValueError:
                raise PolicyError(f"{path}:{line}: '{row['submitted_at']}' is not an ISO 8601 time "
                                  "(e.g. 2026-12-18T23:59:00+00:00)") from None
            times[row["student_id"].strip()] = when if when.tzinfo else when.replace(tzinfo=UTC)
    return times


def late_penalty(policies: Policies, submitted_at: datetime | None) -> tuple[int, float]:
    """(days late, fraction of the score taken): every started day counts, up to the cap."""
    if policies.deadline is None or submitted_at is None:
        return 0, 0.0
    deadline = policies.deadline if policies.deadline.tzinfo else policies.deadline.replace(tzinfo=UTC)
    late = (submitted_at - deadline).total_seconds()
    if late <= 0:
        return 0, 0.0
    days = math.ceil(late / 86400)
    return days, min(policies.late_cap, days * policies.late_penalty_per_day)
