"""Systematic scenarios for e17, executed inside the subject process (next to heartbeat.py).

Every schedule with at most one preemption is tried (bounded exhaustive
search), so a check-then-act race in ``start()`` is found under every seed.
Time is virtual: the heartbeat's own waits pass only while everyone waits.
"""

from __future__ import annotations

from typing import Any

from grader.interleave import races
from grader.interleave.fresh import fresh_module

_heartbeat = fresh_module("heartbeat")
#: Wall seconds for one search: past it no new schedule starts, and the test says "regrade".
WALL = 12.0


def start_twice_at_once(schedules: int) -> dict[str, Any]:
    """Two threads call start() on one Heartbeat at the same moment: exactly one may succeed."""
    return races.start_twice_at_once(lambda: _heartbeat().Heartbeat(lambda: None, 10),
                                     schedules=schedules, timeout=WALL).to_dict()
