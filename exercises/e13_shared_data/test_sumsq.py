"""Visible tests for e13: run `pytest exercises/e13_shared_data`."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import psutil
import pytest
from sumsq import parallel_sum_squares

from grader.probes.memory import expected_sum_squares, make_data

#: An odd size, so the test recognises its own segment in /dev/shm (8 bytes per float).
N = 1_234_567


def segments_of_our_size() -> set[str]:
    shm = Path("/dev/shm")
    return {p.name for p in shm.iterdir() if p.is_file() and p.stat().st_size == N * 8}


def test_sum_of_squares():
    for n, workers in [(0, 2), (1, 2), (3, 4), (1001, 2), (20_000, 3)]:
        assert parallel_sum_squares(make_data(n), workers) == expected_sum_squares(n), (
            f"wrong sum for {n} items with {workers} workers")


def test_bad_workers():
    with pytest.raises(ValueError):
        parallel_sum_squares(make_data(10), 0)


# the watcher thread makes this process multi-threaded; fork()ing workers is still fine here
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_workers_attach_a_shared_segment_and_it_is_gone_afterwards():
    before = segments_of_our_size()
    seen: set[str] = set()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for child in psutil.Process().children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    seen.update(m.path for m in child.memory_maps()
                                if "/dev/shm/" in m.path and "/sem." not in m.path)
            done.wait(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        assert parallel_sum_squares(make_data(N), 2) == expected_sum_squares(N)
    finally:
        done.set()
        watcher.join()
    assert seen, "no worker process mapped a shared-memory segment (/dev/shm) during the call"
    left = segments_of_our_size() - before
    assert not left, f"the segment {sorted(left)[0]} is still in /dev/shm: unlink() it"
