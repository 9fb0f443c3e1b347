"""Visible tests for e13: run `pytest exercises/e13_shared_data`."""

from __future__ import annotations

import contextlib
import multiprocessing
from pathlib import Path

import pytest
from sumsq import parallel_sum_squares

from grader.probes.memory import expected_sum_squares, make_data
from grader.student.children import ChildProcesses

#: An odd size, so the test recognises its own segment in /dev/shm (8 bytes per float).
N = 4_000_037
#: A spawned worker's own memory, with room to spare: far less than its 16 MB share of the data.
WORKER_BYTES = 24_000_000


def segments_of_size(n: int) -> set[str]:
    shm = Path("/dev/shm")
    return {p.name for p in shm.iterdir() if p.is_file() and p.stat().st_size == n * 8}


def test_sum_of_squares():
    for n, workers in [(0, 2), (1, 2), (3, 4), (1001, 2), (20_000, 3)]:
        assert parallel_sum_squares(make_data(n), workers) == expected_sum_squares(n), (
            f"wrong sum for {n} items with {workers} workers")


def test_bad_workers():
    with pytest.raises(ValueError):
        parallel_sum_squares(make_data(10), 0)


@pytest.fixture
def spawned_workers():
    """Workers start fresh (spawn): a forked one would own every page this test process
    writes while it runs (copy-on-write), and look as if it held a copy of the data."""
    method = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method("spawn", force=True)
    yield
    multiprocessing.set_start_method(method, force=True)


def test_workers_share_the_data_and_the_segment_is_gone_afterwards(spawned_workers):
    before = segments_of_size(N)
    with ChildProcesses(interval=0.02, watch_shm=True, watch_memory=True) as seen:
        assert parallel_sum_squares(make_data(N), 2) == expected_sum_squares(N)
    assert seen.shared_segments, "no worker process mapped a shared-memory segment (/dev/shm)"
    assert seen.peak_private_bytes < WORKER_BYTES, (
        f"a worker held {seen.peak_private_bytes / 1e6:.0f} MB of its own for a 32 MB array: "
        "it has a copy of the data (sent as an argument, or copied out of the segment)")
    left = segments_of_size(N) - before
    assert not left, f"the segment {sorted(left)[0]} is still in /dev/shm: unlink() it"


def test_the_segment_is_gone_even_when_a_worker_dies():
    before = segments_of_size(N)
    with ChildProcesses(kill_one_mapping_shm=True) as seen, contextlib.suppress(Exception):
        parallel_sum_squares(make_data(N), 2)
    if seen.killed is None:
        pytest.skip("inconclusive: the workers finished before one could be stopped")
    left = segments_of_size(N) - before
    assert not left, (f"a worker died and the segment {sorted(left)[0]} stayed in /dev/shm: "
                      "close() and unlink() it in a finally: block")
