"""Scenario for e07 executed inside the subject (next to pipeline.py).

``workers_finish_at_once`` runs a small pipeline under the interleaving
explorer: every schedule with at most one preemption first (the same ones
under every seed), then random ones. The two workers of a stage usually see
the end of input moments apart; here they also see it at the same moment,
which is when bookkeeping shared by a stage's workers (how many are still
running, who forwards the end of input) loses an update.
"""

from __future__ import annotations

from typing import Any

from grader.interleave import explore
from grader.interleave.fresh import fresh_module

_pipeline = fresh_module("pipeline")
#: Wall seconds for one search: past it no new schedule starts, and the test says "regrade".
WALL = 15.0


def _double(x: int) -> int:
    return 2 * x


def _plus_one(x: int) -> int:
    return x + 1


def workers_finish_at_once(schedules: int, seed: int) -> dict[str, Any]:
    """``run_pipeline([1, 2], [double, plus_one], workers_per_stage=2)`` must give 3 and 5.

    Only what the caller gets is judged here: the order of the results and
    threads left running after the call returns are other tests' business, so
    a schedule whose only fault is threads left blocked (a "deadlock" after the
    caller returned the right values) is reported as ``left_blocked``; it
    also ends the search at that schedule.
    """
    states: list[dict[str, Any]] = []

    def setup() -> dict[str, Any]:
        states.append({"run": _pipeline().run_pipeline, "got": None})
        return states[-1]

    def caller(s: dict[str, Any]) -> None:
        s["got"] = s["run"]([1, 2], [_double, _plus_one], workers_per_stage=2, maxsize=2)

    def final(s: dict[str, Any]) -> None:
        got = s["got"]
        assert isinstance(got, list) and sorted(got) == [3, 5], (
            f"run_pipeline([1, 2], [double, plus_one], workers_per_stage=2) returned {got!r}, "
            "expected the results 3 and 5")

    result = explore(setup, caller, final, schedules=schedules, seed=seed, timeout=WALL)
    left_blocked = False
    if result.verdict == "deadlock":  # did the caller get its results first? Replay to see.
        states.clear()
        explore(setup, caller, None, replay=result.replay, timeout=WALL)
        got = states[-1]["got"] if states else None
        left_blocked = isinstance(got, list) and sorted(got) == [3, 5]
    # Threads that never end stop the search at its first schedule: say so, so the test knows.
    return result.to_dict() | {"left_blocked": left_blocked}
