"""Hidden tests for e13_shared_data: parallel_sum_squares(data, workers=2).

The data (an ``array('d')``) is built inside the subject by a probe; while the call runs,
a driver thread samples the subject's processes from outside (shm_watch.py).
"""

from __future__ import annotations

import os
import secrets
import signal
import threading
import time

import pytest
from shm_watch import Watch, remove_segments, shm_dir, smaps, workers

from grader.driver.subject import RemoteError, wait_until
from grader.driver.verdicts import Inconclusive
from grader.probes.memory import expected_sum_squares

PROBES = "grader.probes.memory"
BIG = 7_500_000  # 60 MB of floats (the sandbox caps a file, a segment too, at 64 MB)
#: A worker may hold this fraction of the data's size privately (interpreter included).
MAX_PRIVATE_SHARE = 0.35


#: Samples of the subject during one call past which a worker process, had there been one, was seen.
LONG_ENOUGH = 10


def require_workers(watch: Watch) -> None:
    """Worker processes were seen; else a failure if the call ran long enough to see them."""
    if watch.workers:
        return
    samples = watch.seen[watch.parent_pid].samples if watch.parent_pid in watch.seen else 0
    if samples < LONG_ENOUGH:
        raise Inconclusive("no worker process was seen during the call (it was too quick)")
    raise AssertionError(
        f"parallel_sum_squares ran while the grader looked {samples} times, and no worker "
        "process ever appeared: the sum ran in the calling process (threads?). The workers "
        "must be processes that attach the shared-memory segment by name; threads share "
        "memory already, and this exercise is about sharing between processes")


def big_data(subject, seed: int):
    return subject.module(PROBES).make_data(BIG, seed)


def check_released(subject, segments: set[str], what: str) -> None:
    """Every segment seen is unlinked and unmapped, and the resource tracker reports no leak."""
    left = sorted(name for name in segments if (shm_dir(subject) / name).exists())
    assert not left, (
        f"{what}, the shared-memory segment {left[0]} still exists in /dev/shm: it holds "
        "the whole data until the machine reboots; call unlink() on it in a `finally:`")
    mapped = smaps(subject.pid)
    still = sorted(segments & mapped[1]) if mapped else []
    assert not still, (
        f"{what}, your process still maps the segment {still[0]}: call close() on it")
    subject.module(PROBES).stop_resource_tracker()
    # The tracker has ended, its report written; the subject's output reaches the driver through
    # a pipe, so a mark written after it (random: the submission cannot print it first) tells
    # when all of it has arrived.
    mark = f"[concurlab {secrets.token_hex(8)}]"
    subject.module("os").write(2, f"\n{mark}\n".encode())
    wait_until(lambda: mark in subject.output() or "leaked shared_memory" in subject.output(),
               timeout=1.0)
    leaked = "leaked shared_memory" in subject.output()
    assert not leaked, (
        f"{what}, multiprocessing's resource tracker found shared memory that was created "
        f"and never unlinked:\n{subject.output()[-800:]}")


@pytest.mark.parametrize(("n", "workers_"), [(0, 2), (1, 2), (3, 4), (1001, 2), (20_000, 3),
                                             (100_000, 1)])
def test_sum_is_correct(subject, seed, n, workers_):
    data = subject.module(PROBES).make_data(n, seed)
    got = subject.module().parallel_sum_squares(data, workers_)
    expected = expected_sum_squares(n, seed)
    assert isinstance(got, float | int) and got == expected, (
        f"the sum of squares of {n} floats with workers={workers_} is {expected!r} (exact: "
        f"every value is a multiple of 1/64), but parallel_sum_squares returned {got!r}: "
        "check that the slices cover every item exactly once")


def test_bad_workers(subject):
    data = subject.module(PROBES).make_data(10)
    with pytest.raises(ValueError):
        subject.module().parallel_sum_squares(data, 0)
        pytest.fail("parallel_sum_squares(data, workers=0) must raise ValueError")
    assert not workers(subject), "workers=0 must be rejected before any process starts"


def test_workers_map_shared_memory(subject, seed):
    data = big_data(subject, seed)
    with Watch(subject) as watch:
        got = subject.module().parallel_sum_squares(data, 2)
    remove_segments(subject, watch.segments)
    assert got == expected_sum_squares(BIG, seed), f"wrong sum for {BIG} items: {got!r}"
    require_workers(watch)
    mapping = [pid for pid, seen in watch.workers.items() if seen.segments]
    assert mapping, (
        f"{len(watch.workers)} worker process(es) ran, but none mapped a shared-memory "
        "segment (/dev/shm): put the data in multiprocessing.shared_memory.SharedMemory once "
        "and let the workers attach to it by name, instead of sending them the data")


def test_workers_hold_no_copy(subject, seed):
    data = big_data(subject, seed)
    nbytes = BIG * 8
    data_mb = nbytes / 2**20
    with Watch(subject) as watch:
        got = subject.module().parallel_sum_squares(data, 2)
    remove_segments(subject, watch.segments)
    assert got == expected_sum_squares(BIG, seed), f"wrong sum for {BIG} items: {got!r}"
    require_workers(watch)
    pid, seen = max(watch.workers.items(), key=lambda item: item[1].peak_private)
    assert seen.peak_private < MAX_PRIVATE_SHARE * nbytes, (
        f"a worker process held {seen.peak_private / 2**20:.0f} MB of memory of its own while "
        f"summing {data_mb:.0f} MB of data (allowed: {MAX_PRIVATE_SHARE * nbytes / 2**20:.0f} "
        "MB): it made a copy of (part of) the data. Read the floats where they lie, through "
        "a memoryview of the shared segment (shm.buf.cast('d')[start:stop]), without "
        "bytes(), tolist(), array(...) or pickled arguments")


def test_segment_unlinked_after_return(subject, seed):
    data = big_data(subject, seed)
    with Watch(subject) as watch:
        subject.module().parallel_sum_squares(data, 2)
    try:
        check_released(subject, watch.segments, "after parallel_sum_squares returned")
    finally:
        remove_segments(subject, watch.segments)


def _kill_a_worker(subject, watch: Watch, call: threading.Thread) -> int | None:
    """SIGKILL a worker (as the OOM killer would) while it reads the shared segment.

    The victim must have mapped a segment in three samples: a helper that multiprocessing
    forks (its resource tracker) maps the parent's segments too, until it execs a moment
    later. A solution that never maps a segment loses a worker seen in three samples.
    """
    while call.is_alive():
        watch.sample()
        for proc in workers(subject):
            seen = watch.seen.get(proc.pid)
            if seen is not None and (seen.mapped_samples >= 3
                                     or (not watch.segments and seen.samples >= 3)):
                os.kill(proc.pid, signal.SIGKILL)
                return proc.pid
        time.sleep(0.005)
    return None


def test_segment_released_when_a_worker_fails(subject, seed):
    sub = subject.module()
    watch = Watch(subject)
    try:
        for _attempt in range(2):
            data = big_data(subject, seed)
            outcome: dict = {}

            def run(data=data, outcome=outcome) -> None:
                try:
                    outcome["value"] = sub.parallel_sum_squares(data, 2)
                except RemoteError as exc:
                    outcome["error"] = exc

            call = threading.Thread(target=run, daemon=True)
            call.start()
            victim = _kill_a_worker(subject, watch, call)
            call.join(timeout=15)
            assert not call.is_alive(), (
                f"a worker process (pid {victim}) was killed, and parallel_sum_squares had not "
                "returned 15 s later: it waits forever for a result that will never come "
                "(multiprocessing.Pool does that; concurrent.futures' process pool raises "
                "BrokenProcessPool)")
            if victim is not None and "error" in outcome:
                break
        else:
            raise Inconclusive("the workers finished before one could be stopped")
        check_released(subject, watch.segments,
                       f"after a worker died and parallel_sum_squares raised "
                       f"{outcome['error'].type_name}")
    finally:
        remove_segments(subject, watch.segments)
