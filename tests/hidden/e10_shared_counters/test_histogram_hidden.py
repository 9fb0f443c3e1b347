"""Hidden tests for e10_shared_counters: parallel_histogram(values, bins, workers=2).

Lost updates are exposed by contention the test controls: every value in the
same bin, two workers, millions of updates, up to three trials, and the
driver's own proof (CPU time sampled per worker) that the workers ran at the
same instant; without that proof a trial that lost nothing is a regrade.
The other tests that check counts use one worker, so a racy submission fails
exactly the contention test, every time.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from grader.driver.verdicts import Inconclusive
from grader.instruments import parallel_seconds
from grader.leaks import (
    bounded_call,
    hang_report,
    leftover_workers,
    release,
    shutdown_warnings,
)
from grader.proctree import TreeWatch

DEADLINE = 15.0
#: Updates per contention trial, all to one bin: an unlocked loop of two workers over these
#: runs several times longer than an interpreter start-up, so workers that overlap do so in
#: their loops (and a correct lock-per-update solution still ends in about 7 s on an idle core).
CONTENDED = 1_500_000
TRIALS = 3
#: Builds the contended list inside the subject (see its docstring).
CONTENDED_HELPER = Path(__file__).parent / "contended.py"
#: Makes two workers' first unlocked reads of a shared Array meet (see its docstring).
MEETING_HELPER = Path(__file__).parent / "meeting.py"
#: Seconds one contended call may take (a million values cross a process boundary), and
#: after which no new trial starts.
CONTENDED_DEADLINE = 25.0
#: Proof that the two workers ran at the same instant, one of:
#: - SIDE_BY_SIDE seconds in parallel, whatever the start method.  Spawned workers start
#:   staggered (the second once the first has read its arguments), and that overlap may
#:   include one start-up (under 0.15 s of CPU), so this leaves the loops side by side for
#:   at least 0.15 s: over 100,000 increments each;
#: - for forked workers (no start-up to overlap: the test asks for fork), FORKED_SHARE of the
#:   shorter worker's CPU time in parallel, and at least FORKED_MIN seconds.  A correct
#:   "count locally, add under the lock" worker computes for only ~0.05 s, so it can never
#:   show SIDE_BY_SIDE; an unlocked `counts[v] += 1` side by side for 0.02 s loses ~70,000
#:   counts.  A lone worker's readings show at most ~3 % "parallel" (sampling jitter).
SIDE_BY_SIDE = 0.3
FORKED_SHARE, FORKED_MIN = 0.3, 0.015


@pytest.fixture(autouse=True)
def tidy(subject):
    """After each test, end the subject gently: its resource tracker unlinks what was left."""
    yield
    release(subject)


def use(subject, method: str = "spawn"):
    """The submission, with ``method`` forced as the default start method in its process."""
    subject.module("multiprocessing").set_start_method(method, force=True)
    return subject.module()


def histogram(subject, sub, values: list, bins: int, workers: int, what: str,
              deadline: float = DEADLINE) -> list:
    return counted(subject, lambda: sub.parallel_histogram(values, bins, workers=workers), bins,
                   what, deadline)


def counted(subject, call: Callable[[], list], bins: int, what: str, deadline: float) -> list:
    out = bounded_call(call, deadline=deadline)
    assert not out.hung, hang_report(subject, what, deadline)
    got = out.result()
    assert type(got) is list, f"{what} must return a list, got {type(got).__name__}"
    assert len(got) == bins, f"{what} must return {bins} counts (one per bin), got {len(got)}"
    return got


def check(got: list, want: list, what: str) -> None:
    wrong = [b for b in range(len(want)) if got[b] != want[b]]
    assert not wrong, (
        f"{what}: bin {wrong[0]} holds {want[wrong[0]]} values, counted {got[wrong[0]]}"
        + (" (nothing at all was counted: did the workers update a copy? A plain list is "
           "copied into each process; only a multiprocessing.Array or shared memory is shared)"
           if not any(got) and any(want) else ""))


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_counts_each_bin(subject, seed, method):
    rng = random.Random(seed)
    values = [rng.randrange(10) for _ in range(5000)]
    sub = use(subject, method)
    what = f"parallel_histogram(5000 values, bins=10, workers=1) under {method}"
    check(histogram(subject, sub, values, 10, 1, what), [values.count(b) for b in range(10)], what)
    got = histogram(subject, sub, [], 3, 2, "parallel_histogram([], bins=3)")
    assert got == [0, 0, 0], f"no values must give [0, 0, 0], got {got}"
    got = histogram(subject, sub, [4, 0, 4], 5, 1, "parallel_histogram([4, 0, 4], bins=5, workers=1)")
    assert got == [1, 0, 0, 0, 2], f"parallel_histogram([4, 0, 4], bins=5, workers=1) gave {got}"


def test_no_count_lost_under_contention(subject):
    """Two workers update one bin side by side; a pass needs proof that they truly overlapped.

    An unlocked ``counts[v] += 1`` loses counts only while two workers run at the
    same instant, which a loaded machine may never allow.  The driver samples
    each worker's CPU time: CPU seconds beyond one CPU's worth prove they ran
    in parallel.  A lost count fails at once; no loss without that proof is a
    regrade, never a pass.
    """
    n, workers = CONTENDED, 2
    use(subject, "fork")
    met = subject.load(MEETING_HELPER).first_reads_meet(8, 3, workers)
    assert met["counts"] == [0, 8, 0], (
        f"parallel_histogram([1] * 8, bins=3, workers=2) counted {met['counts']} when the two "
        "workers read the shared count at the same moment: each read the same count and wrote "
        "back its own addition, so one was lost. The read and the write of a shared count must "
        "happen under one lock every worker shares (e.g. `with counts.get_lock():` around "
        "`counts[b] += n`)")
    ones = subject.load(CONTENDED_HELPER).ones
    what = f"parallel_histogram([1] * {n}, bins=3, workers={workers})"
    side_by_side: list[str] = []
    started = time.monotonic()
    for trial in range(1, TRIALS + 1):
        if time.monotonic() - started > CONTENDED_DEADLINE:
            break  # a machine this slow cannot show it either: a regrade, below
        with TreeWatch(subject.process, interval=0.005) as watch:
            got = counted(subject, lambda: ones(n, 3, workers), 3, what, CONTENDED_DEADLINE)
        assert got[1] == n, (
            f"trial {trial}: {what} counted {got[1]}: {n - got[1]} updates of the shared count "
            "were lost. `counts[v] += 1` is a read then a write: two processes read the same "
            "count, both write back count + 1. Hold one lock shared by all workers around the "
            "update (e.g. `with counts.get_lock():`), or better, count locally and add each "
            "bin's total under that lock")
        assert got[0] == got[2] == 0, f"trial {trial}: {what} gave {got}: only bin 1 has values"
        used = {pid: cpu for pid, cpu in watch.used().items() if pid in watch.workers()}
        parallel = parallel_seconds(watch.samples, set(used))
        pair = sorted(used.values())[-2] if len(used) > 1 else 0.0
        if proven(parallel, pair, forked(subject, watch, used)):
            return
        side_by_side.append(f"{parallel:.3f} s of {pair:.3f} s")
    raise Inconclusive(
        f"no count was lost, but in {len(side_by_side)} trial(s) the workers never ran side by "
        f"side for long (in parallel for {', '.join(side_by_side)} of CPU): the machine is too "
        "busy to show lost updates between processes")


def forked(subject, watch: TreeWatch, pids) -> bool:
    """Every worker is a fork of the subject: its child, with the subject's own command line."""
    line = subject.process.cmdline()
    return bool(pids) and all(watch.parents.get(p) == subject.pid and watch.cmdlines.get(p) == line
                              for p in pids)


def proven(parallel: float, shorter: float, forked: bool) -> bool:
    """Did two workers run at the same instant for long enough to lose counts (see SIDE_BY_SIDE)?"""
    return parallel >= SIDE_BY_SIDE or (
        forked and parallel >= max(FORKED_MIN, FORKED_SHARE * shorter))


def test_uses_worker_processes(subject, seed):
    rng = random.Random(seed)
    values = [rng.randrange(4) for _ in range(20_000)]
    sub = use(subject)
    what = "parallel_histogram(20000 values, bins=4, workers=1)"
    with TreeWatch.processes_of(subject.process) as seen:
        got = histogram(subject, sub, values, 4, 1, what)
    assert seen.workers(), (f"{what} started no worker process: the counting must happen in worker "
                       "processes that update one shared array")
    check(got, [values.count(b) for b in range(4)], what)


@pytest.mark.parametrize("bad", [3.0, "1", -1, 5, None], ids=["float", "str", "negative", "bins", "None"])
def test_bad_values_rejected_before_any_process(subject, bad):
    sub = use(subject)
    values = [0, 1, 2] * 200 + [bad]
    with TreeWatch.processes_of(subject.process) as seen, pytest.raises(ValueError):
        sub.parallel_histogram(values, 5, workers=2)
    assert not seen.workers(), (
        f"the value {bad!r} is not an int in range(5): raise ValueError before starting any "
        f"process (checking inside the workers is too late); processes started: {len(seen.workers())}")


def test_nothing_left_behind(subject, seed):
    rng = random.Random(seed)
    values = [rng.randrange(6) for _ in range(3000)]
    sub = use(subject)
    for _ in range(2):
        histogram(subject, sub, values, 6, 3, "parallel_histogram(3000 values, bins=6, workers=3)")
    left = leftover_workers(subject)
    assert not left, (f"parallel_histogram returned, but worker processes are left: "
                      f"{'; '.join(left)}: join every worker")
    warnings = shutdown_warnings(subject)
    assert not warnings, (
        "shared memory or locks were never released (the resource tracker cleaned up after the "
        f"process ended): {warnings[0]}. A SharedMemory block must be close()d by every process "
        "and unlink()ed once by its creator")
