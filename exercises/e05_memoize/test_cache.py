"""Visible tests for e05: run `pytest exercises/e05_memoize`.

The concurrent tests use the interleaving explorer: it runs your threads one
step at a time in dozens of different orders, and when an order breaks
your cache it prints that order.
"""

from __future__ import annotations

import threading

import pytest
from cache import memoize

from grader.interleave import explore
from grader.interleave.fresh import fresh_module

#: cache.py run anew for each schedule: the locks it makes are then ones the explorer sees.
fresh_cache = fresh_module("cache")
#: Orders tried per test: a lost update or a deadlock here shows within the first few;
#: the grader's hidden tests try many more.
SCHEDULES = 50


def test_caches_in_one_thread():
    calls = []

    def double(key):
        calls.append(key)
        return key * 2

    cached = memoize(double)
    assert [cached(3), cached(4), cached(3)] == [6, 8, 6]
    assert calls == [3, 4], f"fn ran for {calls}: each key must be computed once"


def test_error_is_not_cached():
    calls = []

    def flaky(key):
        calls.append(key)
        if len(calls) == 1:
            raise ValueError("temporary failure")
        return key.upper()

    cached = memoize(flaky)
    with pytest.raises(ValueError):
        cached("db")
    assert cached("db") == "DB", "after a failure, the next call computes again"


def test_same_key_at_once_is_computed_once():
    def setup():
        calls, got = [], []

        def square(key):
            calls.append(key)
            return key * key

        return fresh_cache().memoize(square), calls, got

    def ask(s):
        s[2].append(s[0](7))

    def once(s):
        assert len(s[1]) == 1, f"three threads asked for 7 at once; fn(7) ran {len(s[1])} times"
        assert s[2] == [49, 49, 49], f"the callers got {s[2]}"

    result = explore(setup, [ask, ask, ask], once, schedules=SCHEDULES)
    assert result.verdict == "ok", result.story


def test_different_keys_are_computed_at_the_same_time():
    def setup():
        both_inside = threading.Barrier(2)

        def meet(key):  # waits inside fn until the other key's fn has started too
            both_inside.wait()
            return -key

        return fresh_cache().memoize(meet)

    result = explore(setup, [lambda cached: cached(1), lambda cached: cached(2)], schedules=SCHEDULES)
    assert result.verdict != "deadlock", (
        "fn(1) and fn(2) wait for each other inside fn, but one never got in: was a lock held "
        "while fn ran?\n" + result.story)
    assert result.verdict == "ok", result.story


def test_error_reaches_every_waiter():
    def setup():
        def failing(key):
            raise ValueError(f"fn({key}) failed")

        return fresh_cache().memoize(failing), []

    def ask(s):
        with pytest.raises(ValueError):
            s[0](7)

    result = explore(setup, [ask, ask, ask], schedules=SCHEDULES)
    assert result.verdict == "ok", result.story
