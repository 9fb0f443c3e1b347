"""Visible tests for e10: run `pytest exercises/e10_shared_counters`."""

from __future__ import annotations

import multiprocessing

import pytest
from histogram import parallel_histogram


@pytest.fixture(autouse=True)
def spawn():
    """Spawned workers re-import histogram.py: what fork hides, spawn shows."""
    multiprocessing.set_start_method("spawn", force=True)


def test_counts_each_bin():
    values = [0, 1, 1, 2, 2, 2, 4]
    assert parallel_histogram(values, 5, workers=2) == [1, 2, 3, 0, 1]


def test_no_values():
    assert parallel_histogram([], 3) == [0, 0, 0]


def test_no_count_lost():
    n = 20_000
    for _ in range(2):
        got = parallel_histogram([0] * n, 1, workers=4)
        assert got == [n], f"{n - got[0]} of {n} updates were lost: is the update locked?"


@pytest.mark.parametrize("bad", [2.0, "1", -1, 3, None])
def test_bad_values(bad):
    with pytest.raises(ValueError):
        parallel_histogram([0, 1, bad], 3)


def test_no_process_left():
    parallel_histogram([0, 1, 2] * 10, 3, workers=3)
    assert not multiprocessing.active_children(), "join every worker before returning"
