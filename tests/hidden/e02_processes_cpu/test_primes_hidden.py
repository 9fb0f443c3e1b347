"""Hidden tests for e02_processes_cpu: count_primes_parallel(limits, workers, mp_context=None).

count_primes runs inside the student's workers, out of reach of any probe, so
the evidence is taken from outside: the subject's process tree, sampled by
the driver (which processes used CPU, when, and with which command line).
A thread pool or a serial loop leaves every CPU second in the subject
itself; a correct pool puts them in >= 2 child processes at the same time.
"""

from __future__ import annotations

import functools
import time

import pytest

from grader.leaks import leftover_workers
from grader.speedup import Structure, TreeWatch, judge_speed, judge_structure, structure

#: Equal tasks of ~0.1-0.3 s each: far more CPU than starting a worker costs.
TASK = 150_000
ORDER_LIMITS = [120_000, 10, 2_000, 300, 50_000, 7, 20_000, 1]


@functools.cache
def measured(limit: int) -> tuple[int, float]:
    """Trusted count (the given algorithm) computed in the driver, and its CPU seconds."""
    start = time.thread_time()
    count = 0
    for n in range(2, limit):
        d = 2
        while d * d <= n:
            if n % d == 0:
                break
            d += 1
        else:
            count += 1
    return count, time.thread_time() - start


def expected(limit: int) -> int:
    return measured(limit)[0]


def spawn(subject):
    """A spawn context created in the subject (a proxy that becomes the real one there)."""
    return subject.module("multiprocessing").get_context("spawn")


def watched_call(sub, limits: list[int], workers: int, mp_context=None) -> Structure:
    """One call of ``sub`` (the subject or the reference), watched: where its work ran."""
    module = sub.module()  # the first call imports it: not work of the call watched
    ctx = spawn(sub) if mp_context == "spawn" else None
    with TreeWatch(sub.process) as seen:
        got = module.count_primes_parallel(limits, workers, ctx)
    assert got == [expected(n) for n in limits], "count_primes_parallel returned wrong counts"
    return structure(seen, min_worker_cpu=0.5 * measured(limits[0])[1], tasks=len(limits))


def check_structure(subject, reference, limits: list[int], workers: int, mp_context=None) -> None:
    """The structural gate: >= 2 worker processes did the work, in parallel (beside the reference)."""
    judge_structure(lambda: watched_call(subject, limits, workers, mp_context),
                    lambda: watched_call(reference, limits, workers, mp_context),
                    min_workers=workers)


@pytest.mark.parametrize("workers", [1, 3])
def test_results_in_input_order(subject, workers):
    got = subject.module().count_primes_parallel(ORDER_LIMITS, workers)
    want = [expected(n) for n in ORDER_LIMITS]
    assert type(got) is list, f"count_primes_parallel must return a list, got {type(got).__name__}"
    assert len(got) == len(want), f"{len(ORDER_LIMITS)} limits gave {len(got)} results"
    assert got == want, (
        f"for limits {ORDER_LIMITS} expected {want}, got {got}: result i must be "
        "count_primes(limits[i]), in input order, not in the order the workers finished")


def test_work_runs_in_worker_processes(subject, reference):
    check_structure(subject, reference, [TASK] * 4, workers=2, mp_context="spawn")
    module = subject.module()
    with TreeWatch.processes_of(subject.process) as seen:
        module.count_primes_parallel([20_000] * 6, 1)
    assert seen.most_at_once <= 1, (
        f"count_primes_parallel(6 limits, workers=1) ran {seen.most_at_once} worker processes at "
        "once: `workers` is how many processes compute (pass it to the pool as max_workers)")


def test_works_under_spawn(subject):
    try:
        got = subject.module().count_primes_parallel([30_000, 20, 5_000], 2, spawn(subject))
    except Exception as exc:
        raise AssertionError(
            "count_primes_parallel failed with the spawn start method (the default on macOS and "
            "Windows): workers start a fresh interpreter and receive the function by name, so "
            f"send a module-level function, never a lambda or nested function.\n{exc}") from None
    want = [expected(n) for n in (30_000, 20, 5_000)]
    assert type(got) is list and sorted(got) == sorted(want), (  # order has its own test
        f"under spawn expected the counts {want}, got {got}")


def test_uses_the_given_mp_context(subject):
    sub = subject.module()
    with TreeWatch(subject.process) as seen:
        sub.count_primes_parallel([TASK] * 4, 2, spawn(subject))
    started = sorted(structure(seen, min_worker_cpu=0.5 * measured(TASK)[1]).worker_cpu)
    assert started, "no worker process did the work: it must run in worker processes"
    forked = [p for p in started if "multiprocessing.spawn" not in " ".join(seen.cmdlines[p])]
    assert not forked, (
        f"mp_context was a spawn context, but {len(forked)} of the {len(started)} worker processes "
        "were not started by spawn (they run the parent's command line): create the pool with "
        "it, e.g. ProcessPoolExecutor(mp_context=mp_context) or mp_context.Pool(...)")


def test_bad_arguments(subject):
    sub = subject.module()
    with TreeWatch(subject.process) as seen, pytest.raises(ValueError):
        sub.count_primes_parallel([10, 20], 0)
    started = seen.workers()
    assert not started, f"workers=0 must raise ValueError before any process starts; {len(started)} started"
    assert sub.count_primes_parallel([], 2) == [], "no limits must give an empty list"


@pytest.mark.parametrize("context", ["default", "spawn"])
def test_no_child_left(subject, context):
    sub = subject.module()
    sub.count_primes_parallel([20_000] * 4, 2, spawn(subject) if context == "spawn" else None)
    left = leftover_workers(subject, timeout=0.5)
    assert not left, (
        f"child processes still exist after count_primes_parallel returned: {', '.join(left)}; "
        "shut the pool down and wait for its workers (a `with` block does it)")


def test_faster_than_serial(subject, reference, thresholds):
    """Structure first; then serial, reference and student interleaved, best of 5."""
    limits, workers = [50_000] * 8, 2
    check_structure(subject, reference, limits, workers)
    sub, ref = subject.module(), reference.module()
    judge_speed(
        serial=lambda lim: [ref.count_primes(n) for n in lim],
        reference=lambda lim: ref.count_primes_parallel(lim, workers),
        student=lambda lim: sub.count_primes_parallel(lim, workers),
        workers=workers, thresholds=thresholds,
        # New limits of the same size each round: remembering an earlier round wins nothing.
        fresh=lambda k: ([n + 8 * k + i for i, n in enumerate(limits)],))
