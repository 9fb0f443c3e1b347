"""Scenarios for e19 executed inside the subject process (next to watchdog.py).

``start_twice_at_once`` and ``kick_as_the_deadline_passes`` try every
schedule with at most one preemption (bounded exhaustive search), so a race
in ``start()`` or between ``kick()`` and the watching thread is found under
every seed; time is virtual, so a watchdog's wait passes only while everyone
waits, and a kick can land at the very moment the deadline passes. ``threads_left_by_stop`` reads, in the calling thread
and the moment ``stop()`` returns, which threads are still alive: a joined
thread has left ``threading.enumerate()`` before its ``join()`` returns.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from grader.interleave import explore, races
from grader.interleave.fresh import fresh_module

_watchdog = fresh_module("watchdog")
#: Wall seconds for one search: past it no new schedule starts, and the test says "regrade".
WALL = 20.0


def start_twice_at_once(schedules: int) -> dict[str, Any]:
    """Two threads call start() on one Watchdog at the same moment: exactly one may succeed."""
    return races.start_twice_at_once(lambda: _watchdog().Watchdog(10, lambda text: None),
                                     schedules=schedules, timeout=WALL).to_dict()


def kick_as_the_deadline_passes(schedules: int) -> dict[str, Any]:
    """A kick() lands just as the watchdog's 1 s deadline passes; nothing kicks after it.

    Whatever the watching thread did at that moment (reported already, or not
    yet), a stall of one full timeout after the kick must be reported before
    stop() at 5 s. Code that decides "fire" under one lock and marks the stall
    reported under another lets the kick's re-arm be overwritten in between,
    and the next stall is never reported. One controlled thread starts, kicks
    and stops, so the search has only it and the watching thread to interleave.
    """
    timeout = 1.0

    def setup() -> dict[str, Any]:
        reports: list[float] = []
        return {"wd": _watchdog().Watchdog(timeout, lambda text: reports.append(time.monotonic())),
                "reports": reports, "kicked": None}

    def owner(s: dict[str, Any]) -> None:
        s["wd"].start()
        time.sleep(timeout)
        s["kicked"] = time.monotonic()
        s["wd"].kick()
        time.sleep(4 * timeout)
        s["wd"].stop()

    def final(s: dict[str, Any]) -> None:
        due = s["kicked"] + timeout * 0.99
        assert any(at >= due for at in s["reports"]), (
            f"the watchdog (timeout={timeout:g} s) was kicked as its deadline passed, then never "
            f"again; it reported {len(s['reports'])} time(s), none a full timeout after that kick, "
            "and stop() came 4 s later: the kick's re-arm was lost")

    return explore(setup, [owner], final, strategy="exhaustive", preemption_bound=1,
                   schedules=schedules, timeout=WALL).to_dict()


def threads_left_by_stop() -> list[str]:
    """Start a Watchdog(10, ...), stop it; the threads it started that are alive at that moment."""
    import watchdog

    before = set(threading.enumerate())
    wd = watchdog.Watchdog(10, lambda text: None)
    wd.start()
    wd.stop()
    return sorted(t.name for t in threading.enumerate() if t not in before and t.is_alive())
