"""Hidden tests for e05_memoize: memoize(fn) with single flight per key."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.driver.explored import judge
from grader.instruments import InFlight

SCENARIOS = Path(__file__).parent / "scenarios.py"
SCHEDULES = 150


def test_caches_in_one_thread(subject):
    fn = InFlight(lambda key: key * 2)
    cached = subject.module().memoize(fn)
    got = [cached(3), cached(4), cached(3), cached(3), cached(4)]
    assert got == [6, 8, 6, 6, 8], f"cached(3), cached(4), cached(3)... returned {got}"
    assert fn.repeated() == {}, f"fn ran more than once for keys {fn.repeated()}: cache the result"
    assert fn.total == 2, f"two keys, but fn ran {fn.total} times"


def test_error_is_not_cached(subject):
    calls: list[str] = []

    def flaky(key: str) -> str:
        calls.append(key)
        if len(calls) == 1:
            raise ValueError(f"{key}: temporary failure")
        return key.upper()

    cached = subject.module().memoize(flaky)
    with pytest.raises(ValueError):
        cached("db")
    got = cached("db")
    assert got == "DB", (
        f"fn('db') raised once, then succeeds; the second call must compute again and return "
        f"'DB', got {got!r} (fn ran {len(calls)} times): an exception must not be cached")
    assert cached("db") == "DB" and len(calls) == 2, (
        f"after a success the value is cached: fn must have run twice in all, ran {len(calls)}")


def test_each_key_computed_once(subject, seed):
    scn = subject.load(SCENARIOS)
    judge(scn.same_key_at_once(seed, SCHEDULES),
           "three threads ask for the same key at once")


def test_different_keys_computed_at_the_same_time(subject, seed):
    scn = subject.load(SCENARIOS)
    result = scn.different_keys_at_once(seed, 50)
    assert result["verdict"] != "deadlock", (
        "fn(1) and fn(2) each wait inside fn until the other has started too; they never both "
        "got in: one thread held a lock while fn ran, so the other key had to wait. Hold the "
        f"lock only to look up and register, never while fn runs.\n{result['story']}")
    judge(result, "cached(1) and cached(2) at the same time")


def test_error_reaches_every_waiter(subject, seed):
    scn = subject.load(SCENARIOS)
    result = scn.failing_key_at_once(seed, SCHEDULES)
    assert result["verdict"] != "deadlock", (
        "fn(7) raised while other threads waited for its result, and they were never woken: "
        "when fn raises, hand the exception to the waiters and wake them (set the event) "
        f"before re-raising.\n{result['story']}")
    judge(result, "three threads ask for a key whose fn raises")
