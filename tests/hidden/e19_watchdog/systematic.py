"""Scenarios for e19 executed inside the subject process (next to watchdog.py).

``start_twice_at_once`` tries every schedule with at most one preemption
(bounded exhaustive search), so a check-then-act race in ``start()`` is found
under every seed; time is virtual, so the watchdog's 10 s wait passes only
while everyone waits. ``threads_left_by_stop`` reads, in the calling thread
and the moment ``stop()`` returns, which threads are still alive: a joined
thread has left ``threading.enumerate()`` before its ``join()`` returns.
"""

from __future__ import annotations

import threading
from typing import Any

from grader.interleave import races
from grader.interleave.fresh import fresh_module

_watchdog = fresh_module("watchdog")
#: Wall seconds for one search: past it no new schedule starts, and the test says "regrade".
WALL = 12.0


def start_twice_at_once(schedules: int) -> dict[str, Any]:
    """Two threads call start() on one Watchdog at the same moment: exactly one may succeed."""
    return races.start_twice_at_once(lambda: _watchdog().Watchdog(10, lambda text: None),
                                     schedules=schedules, timeout=WALL).to_dict()


def threads_left_by_stop() -> list[str]:
    """Start a Watchdog(10, ...), stop it; the threads it started that are alive at that moment."""
    import watchdog

    before = set(threading.enumerate())
    wd = watchdog.Watchdog(10, lambda text: None)
    wd.start()
    wd.stop()
    return sorted(t.name for t in threading.enumerate() if t not in before and t.is_alive())
