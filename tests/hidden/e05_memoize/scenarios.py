"""Explorer scenarios for e05, executed inside the subject process (next to cache.py).

Each function runs ``explore`` on the submission's ``memoize`` and returns
``Result.to_dict()`` (plain data). Every schedule executes cache.py afresh,
so locks it creates at import are created under the explorer's control.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from grader.interleave import explore
from grader.interleave.fresh import fresh_module

_fresh = fresh_module("cache")


def _memoize():
    return _fresh().memoize


def same_key_at_once(seed: int, schedules: int) -> dict:
    """Three threads ask for key 7 at once: fn(7) runs once and all three get its value."""

    def setup() -> dict:
        s: dict = {"calls": [], "got": []}

        def slow_square(key: int) -> int:
            s["calls"].append(key)
            return key * key

        s["cached"] = _memoize()(slow_square)
        return s

    def ask(s: dict) -> None:
        s["got"].append(s["cached"](7))

    def final(s: dict) -> None:
        assert len(s["calls"]) == 1, (
            f"three threads asked for key 7 at once and fn(7) ran {len(s['calls'])} times: each "
            "key must be computed exactly once, the other callers wait for that result")
        assert s["got"] == [49, 49, 49], f"the three callers got {s['got']}, expected 49 each"

    return explore(setup, [ask, ask, ask], final, seed=seed, schedules=schedules).to_dict()


def different_keys_at_once(seed: int, schedules: int) -> dict:
    """fn(1) and fn(2) each wait inside fn until the other has started too."""

    def setup() -> dict:
        both_inside = threading.Barrier(2)

        def meet(key: int) -> int:
            both_inside.wait()
            return -key

        return {"cached": _memoize()(meet), "got": {}}

    def ask(key: int) -> Any:
        return lambda s: s["got"].__setitem__(key, s["cached"](key))

    def final(s: dict) -> None:
        assert s["got"] == {1: -1, 2: -2}, f"results {s['got']}, expected {{1: -1, 2: -2}}"

    return explore(setup, [ask(1), ask(2)], final, seed=seed, schedules=schedules).to_dict()


def failing_key_at_once(seed: int, schedules: int) -> dict:
    """fn always raises; three threads ask for key 7: each gets an exception fn raised."""

    def setup() -> dict:
        s: dict = {"raised": [], "got": []}

        def failing(key: int) -> int:
            exc = ValueError(f"fn({key}) failed, call #{len(s['raised']) + 1}")
            s["raised"].append(exc)
            time.sleep(0.01)
            raise exc

        s["cached"] = _memoize()(failing)
        return s

    def ask(s: dict) -> None:
        try:
            s["cached"](7)
        except ValueError as exc:
            s["got"].append(exc)
        else:
            s["got"].append(None)

    def final(s: dict) -> None:
        got, raised = s["got"], s["raised"]
        assert None not in got, "fn(7) raised, but a caller returned normally instead of raising"
        strangers = [e for e in got if not any(e is r for r in raised)]
        assert not strangers, f"callers got exceptions fn never raised: {strangers}"
        delivered = {id(e) for e in got}
        assert len(delivered) == len(raised), (
            f"fn ran {len(raised)} times but its callers got {len(delivered)} different "
            "exceptions: each computation's exception must reach the callers waiting for it")

    return explore(setup, [ask, ask, ask], final, seed=seed, schedules=schedules).to_dict()
