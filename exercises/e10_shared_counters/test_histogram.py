"""Visible tests for e10: run `pytest exercises/e10_shared_counters`."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from histogram import parallel_histogram

from grader.student.children import ChildProcesses


@pytest.fixture(autouse=True)
def spawn():
    """Spawned workers re-import histogram.py: what fork hides, spawn shows."""
    multiprocessing.set_start_method("spawn", force=True)


def test_counts_each_bin():
    values = [0, 1, 1, 2, 2, 2, 4]
    with ChildProcesses() as seen:
        assert parallel_histogram(values, 5, workers=2) == [1, 2, 3, 0, 1]
    assert seen.workers, "no worker process ran: count in worker processes"


def test_no_values():
    assert parallel_histogram([], 3) == [0, 0, 0]


def test_no_count_lost():
    n = 20_000
    for _ in range(2):
        got = parallel_histogram([0] * n, 1, workers=4)
        assert got == [n], f"{n - got[0]} of {n} updates were lost: is the update locked?"


@pytest.mark.parametrize("bad", [2.0, "1", -1, 3, None])
def test_bad_values(bad):
    with ChildProcesses() as seen, pytest.raises(ValueError):
        parallel_histogram([0, 1, bad], 3)
    assert not seen.workers, "check every value before starting any process"


def small_shared_segments() -> set[str]:
    """Shared-memory segments (multiprocessing.shared_memory names them psm_*) of a few bytes."""
    return {p.name for p in Path("/dev/shm").glob("psm_*") if p.stat().st_size < 4096}


def test_no_process_and_no_shared_memory_left():
    before = small_shared_segments()
    parallel_histogram([0, 1, 2] * 10, 3, workers=3)
    assert not multiprocessing.active_children(), "join every worker before returning"
    left = small_shared_segments() - before
    assert not left, f"{sorted(left)[0]} is still in /dev/shm: unlink() the segment you created"
