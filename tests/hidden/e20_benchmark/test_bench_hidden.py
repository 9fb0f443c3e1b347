"""Hidden tests for e20_benchmark: Timing, benchmark(fn, repeats, warmup, clock), compare(...).

Graded deterministically: the clock is a fake one the test passes in, and the
candidates are scripted callbacks that move it by a known number of seconds
per call.  Every clock read and every call lands in one log here (the
submission is single-threaded, so the order is exact), and the recorded runs
must be exactly the durations of the calls that were timed.
"""

from __future__ import annotations

import pytest

#: Durations are small integers (exact in binary floating point): a run is exactly its duration.
WARMUP_SECONDS = 64.0


class Bench:
    """A fake clock and scripted candidates sharing one log: time moves only inside a call."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.log: list[str] = []  # "clock" or a candidate's name

    def clock(self) -> float:
        self.log.append("clock")
        return self.now

    def candidate(self, name: str, durations: list[float], fail_on: int | None = None):
        calls = iter(range(10**6))

        def call() -> None:
            n = next(calls)
            self.log.append(name)
            self.now += durations[n] if n < len(durations) else 999.0
            if n == fail_on:
                raise ValueError(f"{name} failed on call {n + 1}")

        return call

    def calls(self, name: str | None = None) -> list[str]:
        return [e for e in self.log if e != "clock" and (name is None or e == name)]

    def timed(self) -> list[str]:
        """Calls with a clock read right before and right after them."""
        log = self.log
        return [e for i, e in enumerate(log) if e != "clock"
                and 0 < i < len(log) - 1 and log[i - 1] == "clock" and log[i + 1] == "clock"]


def runs_of(timing) -> tuple:
    runs = timing.runs
    assert type(runs) is tuple, f"Timing.runs must be a tuple of floats, got {runs!r}"
    return runs


def test_timing_statistics(subject):
    sub = subject.module()
    odd = sub.Timing((0.5, 0.125, 0.25))
    assert runs_of(odd) == (0.5, 0.125, 0.25), f"Timing.runs must keep the order given, got {odd.runs}"
    assert odd.best == 0.125, f"best of (0.5, 0.125, 0.25) is the smallest, 0.125; got {odd.best}"
    assert odd.median == 0.25, f"median of (0.5, 0.125, 0.25) is 0.25, got {odd.median}"
    assert odd.spread == 0.375, f"spread of (0.5, 0.125, 0.25) is max - min = 0.375, got {odd.spread}"
    even = sub.Timing(runs=(4.0, 1.0, 3.0, 2.0))
    assert even.median == 2.5, (
        f"median of (4, 1, 3, 2) is the mean of the two middle values once sorted, 2.5; got {even.median}")
    assert even.best == 1.0 and even.spread == 3.0, f"best 1 and spread 3 expected, got {even.best}, {even.spread}"
    single = sub.Timing((7.0,))
    assert (single.best, single.median, single.spread) == (7.0, 7.0, 0.0), "one run: best = median = 7, spread 0"


def test_benchmark_records_each_run(subject):
    bench = Bench()
    fn = bench.candidate("fn", [1.0, 2.0, 3.0, 5.0, 8.0])
    timing = subject.module().benchmark(fn, repeats=5, warmup=0, clock=bench.clock)
    runs = runs_of(timing)
    assert runs == (1.0, 2.0, 3.0, 5.0, 8.0), (
        f"the 5 calls took 1, 2, 3, 5 and 8 s on the given clock, so runs must be (1.0, 2.0, 3.0, "
        f"5.0, 8.0) in that order; got {runs}. Time each call on its own with clock()")
    assert len(bench.calls()) == 5, f"repeats=5, warmup=0: fn must be called 5 times, not {len(bench.calls())}"
    assert (timing.best, timing.median, timing.spread) == (1.0, 3.0, 7.0), "best, median, spread of those runs"


def test_warmup_not_recorded(subject):
    sub = subject.module()
    for warmup in (1, 3):
        bench = Bench()
        fn = bench.candidate("fn", [WARMUP_SECONDS] * warmup + [1.0, 2.0, 4.0])
        runs = runs_of(sub.benchmark(fn, repeats=3, warmup=warmup, clock=bench.clock))
        calls = len(bench.calls())
        assert calls == warmup + 3, f"repeats=3, warmup={warmup}: fn must be called {warmup + 3} times, not {calls}"
        assert runs == (1.0, 2.0, 4.0), (
            f"with warmup={warmup}, the first {warmup} call(s) (64 s each on the given clock) are "
            f"warm-up: not recorded. The timed calls took 1, 2 and 4 s, but runs is {runs}")


def test_one_call_between_clock_reads(subject):
    bench = Bench()
    fn = bench.candidate("fn", [1.0] * 8)
    subject.module().benchmark(fn, repeats=4, warmup=1, clock=bench.clock)
    timed = len(bench.timed())
    assert timed >= 4, (
        f"of fn's {len(bench.calls())} calls, only {timed} had a clock read right before and right "
        "after them; with repeats=4, each of the 4 runs must time exactly one call "
        f"(log: {' '.join(bench.log[:24])})")


def test_errors_propagate(subject):
    sub = subject.module()
    bench = Bench()
    with pytest.raises(ValueError):
        sub.benchmark(bench.candidate("fn", [1.0] * 5, fail_on=2), repeats=4, warmup=0, clock=bench.clock)
        pytest.fail("fn raised ValueError on its 3rd call, but benchmark returned")
    bench = Bench()
    with pytest.raises(ValueError):
        sub.compare({"a": bench.candidate("a", [1.0] * 5), "b": bench.candidate("b", [1.0] * 5, fail_on=1)},
                    repeats=3, warmup=0, clock=bench.clock)
        pytest.fail("candidate b raised ValueError, but compare returned")


def test_bad_arguments(subject):
    sub = subject.module()
    for kwargs in ({"repeats": 0}, {"repeats": -1}, {"warmup": -1}):
        bench = Bench()
        with pytest.raises(ValueError):
            sub.benchmark(bench.candidate("fn", [1.0] * 9), clock=bench.clock, **kwargs)
            pytest.fail(f"benchmark(fn, {kwargs}) must raise ValueError")
        assert not bench.calls(), f"benchmark(fn, {kwargs}) must raise before calling fn"
        with pytest.raises(ValueError):
            sub.compare({"a": bench.candidate("a", [1.0] * 9)}, clock=bench.clock, **kwargs)
            pytest.fail(f"compare(candidates, {kwargs}) must raise ValueError")
        assert not bench.calls(), f"compare(candidates, {kwargs}) must raise before calling a candidate"


def test_compare_interleaves_rounds(subject):
    bench = Bench()
    names = ["zeta", "alpha", "mid"]
    durations = {"zeta": [WARMUP_SECONDS, 1.0, 2.0, 3.0], "alpha": [WARMUP_SECONDS, 4.0, 5.0, 6.0],
                 "mid": [WARMUP_SECONDS, 7.0, 8.0, 9.0]}
    got = subject.module().compare({n: bench.candidate(n, durations[n]) for n in names},
                                   repeats=3, warmup=1, clock=bench.clock)
    assert type(got) is dict, f"compare must return a dict of Timing, got {got!r}"
    calls = bench.calls()
    for name in names:
        assert calls.count(name) == 4, f"repeats=3, warmup=1: {name} must be called 4 times, not {calls.count(name)}"
    # Each candidate's first call is its warm-up; the rest, in the order they happened:
    seen: dict[str, int] = {}
    measured = []
    for name in calls:
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            measured.append(name)
    assert measured == names * 3, (
        "the timed calls must go round by round in the mapping's order (zeta, alpha, mid, zeta, "
        f"alpha, mid, ...), so that load drifting during the benchmark hits every candidate alike; "
        f"they went {', '.join(measured)}")
    for name in names:
        runs = runs_of(got[name])
        assert runs == tuple(durations[name][1:]), (
            f"{name}'s timed calls took {durations[name][1:]} s on the given clock; its runs are {runs}")


def test_compare_keeps_mapping_order(subject):
    bench = Bench()
    names = ["zeta", "alpha", "mid"]
    got = subject.module().compare({n: bench.candidate(n, [1.0] * 9) for n in names},
                                   repeats=2, warmup=0, clock=bench.clock)
    assert type(got) is dict, f"compare must return a dict of Timing, got {got!r}"
    assert list(got) == names, f"the result must keep the candidates' order {names}, got {list(got)}"

