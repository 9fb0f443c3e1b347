"""Systematic scenarios for e06, executed inside the subject process (next to buffer.py).

Time is virtual (a timed wait expires only while every thread waits), so "how
long did put() wait" is exact, not a matter of load.  Every schedule with at
most one preemption is tried, so the verdict does not depend on the seed.
"""

from __future__ import annotations

import time
from typing import Any

from grader.interleave import explore
from grader.interleave.fresh import fresh_module

_buffer = fresh_module("buffer")
#: Wall seconds for one search: past it no new schedule starts, and the test says "regrade".
WALL = 10.0


def woken_put_keeps_its_deadline(schedules: int) -> dict[str, Any]:
    """put(timeout=1) on a full buffer while another thread keeps taking an item and putting it back.

    Each get wakes the waiting put, which finds the buffer full again; it must
    still give up one second after it was called, not wait a whole second
    after every wake-up.
    """
    timeout, churns, gap = 1.0, 4, 0.3

    def setup() -> dict[str, Any]:
        buf = _buffer().BoundedBuffer(1)
        buf.put("kept")
        return {"buf": buf, "ended": None, "outcome": None}

    def producer(s: dict[str, Any]) -> None:
        start = time.monotonic()
        try:
            s["buf"].put("new", timeout=timeout)
            s["outcome"] = "put"
        except TimeoutError:
            s["outcome"] = "timed out"
        s["ended"] = time.monotonic() - start

    def churner(s: dict[str, Any]) -> None:
        for _ in range(churns):
            time.sleep(gap)
            if s["outcome"] is not None:
                return  # the put is over: nothing left to wake
            if s["buf"].get(timeout=5) == "new":
                return  # the put got in while the item was out: fine, and over
            try:
                s["buf"].put("kept", timeout=0)
            except TimeoutError:
                return  # the woken put got in first: fine, and over

    def final(s: dict[str, Any]) -> None:
        if s["outcome"] == "timed out":
            assert s["ended"] <= timeout + 0.05, (
                f"put('new', timeout={timeout:g}) on a full buffer gave up after {s['ended']:.2f} s "
                f"(virtual time) while another thread took an item and put it back every {gap:g} s: "
                "each wake-up started the whole timeout again")

    return explore(setup, [producer, churner], final, strategy="exhaustive", preemption_bound=1,
                   schedules=schedules, timeout=WALL, max_steps=5000).to_dict()
