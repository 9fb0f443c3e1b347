"""Benchmark of grader.interleave on the running Python.

First, side by side, the schedules each search strategy needs to prove a
correct scenario (search exhausted) or to find the bug of a wrong one
(exhaustive = bounded DFS without reduction, dpor = partial-order reduction,
systematic = dpor then alternating with random, the default). Then, per
scenario and strategy: schedules per second, and schedules to the first
failure (median and max over seeds).
Usage: python benchmarks/explorer.py [--seeds N] [--strategy S] [--compare-only]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from grader.interleave import explore  # noqa: E402
from tests.engine.interleave_samples import Slot, dine, slot_get, slot_put  # noqa: E402


class Counter:
    def __init__(self):
        self.value = 0
        self.lock = threading.Lock()


def racy(c):
    for _ in range(2):
        tmp = c.value
        c.value = tmp + 1


def locked(c):
    for _ in range(2):
        with c.lock:
            c.value += 1


def counted(c):
    return c.value == 4


class Two:
    def __init__(self):
        self.a = threading.Lock()
        self.b = threading.Lock()


class Pool:
    """Three threads share a pool of two slots: never more than two inside."""

    def __init__(self):
        self.slots = threading.Semaphore(2)
        self.lock = threading.Lock()
        self.inside = 0
        self.worst = 0


def pooled(p):
    with p.slots:
        with p.lock:
            p.inside += 1
            p.worst = max(p.worst, p.inside)
        with p.lock:
            p.inside -= 1


def at_most_two(p):
    return p.worst <= 2 and p.inside == 0


def ab(s):
    with s.a, s.b:
        pass


def ba(s):
    with s.b, s.a:
        pass


SCENARIOS = [
    ("racy counter (2 thr x 2 incr)", Counter, [racy, racy], counted, True),
    ("locked counter (2 thr x 2 incr)", Counter, [locked, locked], counted, False),
    ("AB/BA deadlock (2 thr)", Two, [ab, ba], None, True),
    ("notify() lost wake-up (2P+2C)", Slot, [slot_put, slot_put, slot_get, slot_get], None, True),
    ("naive philosophers (5 x 2 meals)", None, lambda s: dine(5, 2), None, True),
]


COMPARED = [
    ("racy counter (2 thr x 2 incr)", Counter, [racy, racy], counted),
    ("locked counter (2 thr x 2 incr)", Counter, [locked, locked], counted),
    ("semaphore pool (3 thr, 2 slots)", Pool, [pooled, pooled, pooled], at_most_two),
    ("AB/BA deadlock (2 thr)", Two, [ab, ba], None),
    ("naive philosophers (5 x 2 meals)", None, lambda s: dine(5, 2), None),
]


def compare(budget: int, timeout: float) -> None:
    """Schedules to a verdict per strategy (each deterministic but systematic's sampling)."""
    strategies = ("exhaustive", "dpor", "systematic")
    print(f"schedules to a verdict (budget {budget}, {timeout:g} s each); "
          "'proven' = search exhausted")
    print(f"{'scenario':<36} " + " ".join(f"{s:>22}" for s in strategies))
    for name, setup, workers, inv in COMPARED:
        cells = []
        for strategy in strategies:
            r = explore(setup, workers, inv, strategy=strategy, schedules=budget, seed=0,
                        timeout=timeout, preemption_bound=None if strategy == "dpor" else 2)
            how = "proven" if r.exhausted else r.verdict
            cells.append(f"{how} in {r.schedules_run}")
        print(f"{name:<36} " + " ".join(f"{c:>22}" for c in cells))
        sys.stdout.flush()
    print()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=100)
    ap.add_argument("--rate-schedules", type=int, default=1000)
    ap.add_argument("--strategy", default="random")
    ap.add_argument("--budget", type=int, default=5000)
    ap.add_argument("--compare-timeout", type=float, default=60)
    ap.add_argument("--compare-only", action="store_true")
    args = ap.parse_args()
    compare(args.budget, args.compare_timeout)
    if args.compare_only:
        return
    print(f"Python {platform.python_version()} ({sys.implementation.name}), "
          f"strategy {args.strategy}, {args.seeds} seeds")
    print(f"{'scenario':<36} {'sched/s':>8} {'found':>7} {'median':>7} {'max':>5}  verdict")
    for name, setup, workers, inv, buggy in SCENARIOS:
        # Rate: a fixed number of schedules without stopping at the first failure.
        n = args.rate_schedules if not buggy else min(args.rate_schedules, 300)
        r = explore(setup, workers, inv, schedules=n, stop_on_first=False, seed=10**6,
                    strategy=args.strategy, timeout=60)
        rate = r.schedules_run / r.elapsed
        if not buggy:
            print(f"{name:<36} {rate:>8.0f} {'-':>7} {'-':>7} {'-':>5}  {r.verdict} "
                  f"({r.schedules_run} schedules)")
            continue
        firsts, verdicts = [], set()
        for seed in range(args.seeds):
            r = explore(setup, workers, inv, seed=seed * 100_000, schedules=500,
                        strategy=args.strategy)
            if r.verdict != "ok":
                firsts.append(r.schedules_run)
                verdicts.add(r.verdict)
        found = f"{len(firsts)}/{args.seeds}"
        med = f"{statistics.median(firsts):.1f}" if firsts else "-"
        mx = str(max(firsts)) if firsts else "-"
        print(f"{name:<36} {rate:>8.0f} {found:>7} {med:>7} {mx:>5}  {','.join(sorted(verdicts))}")
        sys.stdout.flush()
    time.sleep(0)


if __name__ == "__main__":
    main()
