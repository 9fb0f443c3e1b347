"""Systematic scenarios for e17, executed inside the subject process (next to heartbeat.py).

Every schedule with at most one preemption is tried (bounded exhaustive
search), so a check-then-act race in ``start()`` is found under every seed.
Time is virtual: the heartbeat's own waits pass only while everyone waits.
"""

from __future__ import annotations

from typing import Any

from grader.interleave import explore
from grader.interleave.fresh import fresh_module

_heartbeat = fresh_module("heartbeat")
#: Wall seconds for one search: past it no new schedule starts, and the test says "regrade".
WALL = 12.0


def start_twice_at_once(schedules: int) -> dict[str, Any]:
    """Two threads call start() on one Heartbeat at the same moment: exactly one may succeed."""

    def setup() -> dict[str, Any]:
        return {"hb": _heartbeat().Heartbeat(lambda: None, 10), "refused": 0, "started": 0}

    def start(s: dict[str, Any]) -> None:
        try:
            s["hb"].start()
        except RuntimeError:
            s["refused"] += 1
        else:
            s["started"] += 1
            # Only the thread that started it stops it: stop() racing another thread's start()
            # is beyond the contract.
            s["hb"].stop()

    def final(s: dict[str, Any]) -> None:
        assert (s["started"], s["refused"]) == (1, 1), (
            f"two threads called start() at once: {s['started']} started, {s['refused']} were "
            "refused with RuntimeError (expected 1 and 1)")

    return explore(setup, [start, start], final, strategy="exhaustive", preemption_bound=1,
                   schedules=schedules, timeout=WALL).to_dict()
