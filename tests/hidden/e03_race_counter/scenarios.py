"""Explorer scenarios for e03, executed inside the subject process (next to counter.py).

Each function runs ``explore`` on the submission's ``Counter`` and returns
``Result.to_dict()`` (plain data) for the hidden test to judge. Every schedule
executes counter.py afresh, so a lock created at import time (even one stored
on the class) is created under the explorer's control.
"""

from __future__ import annotations

import threading
from typing import Any

from grader.interleave import explore
from grader.interleave.fresh import fresh_module
from grader.probes.meeting import MeetingAmount

_fresh = fresh_module("counter")


def _counter_class():
    return _fresh().Counter


def _value(counter: Any) -> Any:
    return counter.value


def two_increments(seed: int, schedules: int) -> dict:
    """Two threads increment one Counter(0) by 1: the value must end at 2."""

    def final(c: Any) -> None:
        assert _value(c) == 2, f"two threads each called increment() once, but value is {_value(c)}"

    return explore(lambda: _counter_class()(0), [lambda c: c.increment(), lambda c: c.increment()],
                   final, seed=seed, schedules=schedules).to_dict()


def increment_and_decrement(seed: int, schedules: int) -> dict:
    """increment(5) and decrement(3) at once on Counter(10): the value must end at 12."""

    def final(c: Any) -> None:
        assert _value(c) == 12, (
            f"Counter(10), then increment(5) and decrement(3) in two threads, but value is {_value(c)}")

    return explore(lambda: _counter_class()(10),
                   [lambda c: c.increment(5), lambda c: c.decrement(3)],
                   final, seed=seed, schedules=schedules).to_dict()


def two_counters_at_once(seed: int, schedules: int) -> dict:
    """increment on two different Counters; each add waits for the other counter's add."""

    def setup() -> dict:
        cls = _counter_class()
        amount = MeetingAmount(1)
        amount.barrier = threading.Barrier(2)
        amount.values = (1000, 2000)
        return {"first": cls(1000), "second": cls(2000), "amount": amount}

    def final(s: dict) -> None:
        assert (_value(s["first"]), _value(s["second"])) == (1001, 2001), "wrong final values"

    return explore(setup, [lambda s: s["first"].increment(s["amount"]),
                           lambda s: s["second"].increment(s["amount"])],
                   final, seed=seed, schedules=schedules).to_dict()
