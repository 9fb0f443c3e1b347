"""Visible tests for e20: run `pytest exercises/e20_benchmark`.

The clock is a fake one: it moves only when a candidate runs, by a known amount,
so every expected number here is exact.
"""

from __future__ import annotations

import time

import pytest
from bench import Timing, benchmark, compare

#: A hang fails its test after 10 s, with a traceback that shows where it hung.
pytestmark = pytest.mark.timeout(10)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def takes(clock, seconds, log=None, name="fn"):
    """A candidate whose calls take ``seconds[0]``, ``seconds[1]``, ... on ``clock``."""
    it = iter(seconds)

    def fn():
        if log is not None:
            log.append(name)
        clock.now += next(it)
    return fn


def test_timing_statistics():
    t = Timing((0.5, 0.125, 0.25))
    assert (t.best, t.median, t.spread) == (0.125, 0.25, 0.375)
    assert Timing((4.0, 1.0, 3.0, 2.0)).median == 2.5, "even count: mean of the two middle values"


def test_each_call_is_one_run_and_warmup_is_not_recorded():
    clock = FakeClock()
    timing = benchmark(takes(clock, [100.0, 1.0, 2.0, 4.0]), repeats=3, warmup=1, clock=clock)
    assert timing.runs == (1.0, 2.0, 4.0), "the 100 s warm-up call is not a run; each run is one call"


def test_compare_goes_round_by_round():
    clock, log = FakeClock(), []
    got = compare({"threads": takes(clock, [9.0, 1.0, 1.0], log, "threads"),
                   "processes": takes(clock, [9.0, 2.0, 2.0], log, "processes")},
                  repeats=2, warmup=1, clock=clock)
    assert list(got) == ["threads", "processes"], (
        f"compare returned {list(got)}: keep the candidates in the order they were given")
    assert got["processes"].runs == (2.0, 2.0)
    assert log[-4:] == ["threads", "processes"] * 2, (
        f"timed calls went {log}: interleave the candidates")


def test_errors_propagate_and_bad_arguments():
    def broken():
        raise KeyError("boom")

    with pytest.raises(KeyError):
        benchmark(broken, warmup=0)
    with pytest.raises(ValueError):
        benchmark(broken, repeats=0)
    with pytest.raises(ValueError):
        compare({"x": broken}, warmup=-1)


def test_the_real_clock_by_default():
    timing = benchmark(lambda: time.sleep(0.01), repeats=3)
    assert len(timing.runs) == 3 and timing.best >= 0.009, f"three runs of a 10 ms sleep, got {timing.runs}"
