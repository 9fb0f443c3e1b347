"""The late policy: every started day late costs late_penalty_per_day, up to late_cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from grader.course import Policies
from grader.policy import PolicyError, late_penalty, read_submission_times
from grader.results import ExerciseResult, Status, StudentReport

DEADLINE = datetime(2026, 12, 18, 23, 59, tzinfo=UTC)
POLICY = Policies(deadline=DEADLINE, late_penalty_per_day=0.1, late_cap=0.25)


@pytest.mark.parametrize(("delay", "expected"), [
    (timedelta(hours=-1), (0, 0.0)),
    (timedelta(0), (0, 0.0)),
    (timedelta(minutes=1), (1, 0.1)),
    (timedelta(days=1, minutes=1), (2, 0.2)),
    (timedelta(days=9), (9, 0.25)),
])
def test_penalty_per_started_day_up_to_the_cap(delay, expected):
    days, fraction = late_penalty(POLICY, DEADLINE + delay)
    assert (days, round(fraction, 6)) == expected


def test_no_deadline_or_no_time_means_no_penalty():
    assert late_penalty(Policies(), DEADLINE + timedelta(days=3)) == (0, 0.0)
    assert late_penalty(POLICY, None) == (0, 0.0)


def test_report_shows_the_penalty():
    result = ExerciseResult("e01_threads_io", Status.GRADED, 8.0, 10.0)
    rep = StudentReport.build("ann", {"e01_threads_io": result}, 2, 0.2)
    assert rep.total == 6.4
    assert rep.to_json()["late"] == {"days": 2, "penalty": 0.2, "total_before_penalty": 8.0}


def test_times_csv(tmp_path: Path):
    path = tmp_path / "times.csv"
    path.write_text("student_id,submitted_at\nann,2026-12-19T10:00:00+00:00\nbob,2026-12-19T10:00\n")
    times = read_submission_times(path)
    assert times["bob"].tzinfo is not None
    path.write_text("student_id,submitted_at\nann,yesterday\n")
    with pytest.raises(PolicyError, match=r"times.csv:2: 'yesterday' is not an ISO 8601 time"):
        read_submission_times(path)
