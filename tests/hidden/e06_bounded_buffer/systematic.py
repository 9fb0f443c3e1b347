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


def _racing(calls: dict[str, Any], setup_items: list[Any], capacity: int, schedules: int,
            final: Any) -> dict[str, Any]:
    """Two threads each make one timed call on a fresh buffer; each records what it got."""

    def setup() -> dict[str, Any]:
        buf = _buffer().BoundedBuffer(capacity)
        for item in setup_items:
            buf.put(item)
        return {"buf": buf, "got": {}}

    def thread(name: str, call: Any):
        def run(s: dict[str, Any]) -> None:
            try:
                s["got"][name] = call(s["buf"])
            except TimeoutError:
                s["got"][name] = "timed out"
        return run

    return explore(setup, [thread(name, call) for name, call in calls.items()], final,
                   strategy="exhaustive", preemption_bound=1, schedules=schedules, timeout=WALL,
                   max_steps=5000).to_dict()


def racing_puts_for_one_slot(schedules: int) -> dict[str, Any]:
    """Two threads put(timeout=1) into an empty buffer of capacity 1 that nobody reads.

    Exactly one fits and the other times out.  A put that checks for room in
    one critical section and appends in another lets both pass the check.
    """
    def final(s: dict[str, Any]) -> None:
        held, timed_out = len(s["buf"]), sorted(k for k, v in s["got"].items() if v == "timed out")
        assert held <= 1, (
            f"two threads each called put(timeout=1) on an empty buffer of capacity 1 that nobody "
            f"reads, and both got in: it holds {held} items. Check for room and append in one "
            "critical section (one `with` block): between two blocks, the other thread passes the "
            "same check before the first appends")
        assert held == 1 and len(timed_out) == 1, (
            f"two put(timeout=1) calls raced for the one free slot: {held} item(s) held, timed out: "
            f"{timed_out or 'none'}; exactly one put must get in and the other time out")

    return _racing({"P0": lambda buf: buf.put("p0", timeout=1.0) or "put",
                    "P1": lambda buf: buf.put("p1", timeout=1.0) or "put"},
                   [], 1, schedules, final)


def racing_gets_for_one_item(schedules: int) -> dict[str, Any]:
    """Two threads get(timeout=1) from a buffer that holds one item and that nobody fills.

    Exactly one gets it and the other times out.  A get that checks for an
    item in one critical section and takes it in another lets both pass the check.
    """
    def final(s: dict[str, Any]) -> None:
        got = s["got"]
        taken = sorted(k for k, v in got.items() if v == "only")
        assert len(taken) == 1 and sorted(got.values()) == ["only", "timed out"], (
            f"two threads each called get(timeout=1) on a buffer holding one item ('only') that "
            f"nobody fills; they got {dict(sorted(got.items()))}: exactly one must get 'only' and the "
            "other time out. Check for an item and take it in one critical section (one `with` "
            "block)")

    return _racing({"C0": lambda buf: buf.get(timeout=1.0), "C1": lambda buf: buf.get(timeout=1.0)},
                   ["only"], 2, schedules, final)
