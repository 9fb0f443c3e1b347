"""Visible tests for e02: run `pytest exercises/e02_processes_cpu`."""

from __future__ import annotations

import multiprocessing
import os

import psutil
import pytest
from primes import count_primes, count_primes_parallel

from grader.student.children import ChildProcesses

LIMITS = [30_000, 10, 2, 5_000, 100, 20_000]


def test_counts_in_input_order():
    assert count_primes_parallel(LIMITS, 2) == [count_primes(n) for n in LIMITS], (
        "result i must be count_primes(limits[i]), in the order of the limits")


def test_works_under_spawn():
    spawning = multiprocessing.get_context("spawn")
    with ChildProcesses() as seen:
        got = count_primes_parallel(LIMITS[:3], 2, spawning)
    assert got == [count_primes(n) for n in LIMITS[:3]], (
        "under spawn, workers get the function by name: send count_primes itself, not a lambda")
    assert seen.spawned, "no worker was spawned: make the pool from the mp_context you are given"


def test_work_runs_in_other_processes():
    me = psutil.Process(os.getpid())
    before = me.cpu_times()
    with ChildProcesses() as seen:
        count_primes_parallel([60_000] * 4, 2)
    after = me.cpu_times()
    children = (after.children_user + after.children_system
                - before.children_user - before.children_system)
    mine = after.user + after.system - before.user - before.system
    assert children > mine, (
        f"worker processes used {children:.2f} s of CPU and this process {mine:.2f} s: "
        "the counting must run in child processes (threads share one GIL)")
    assert seen.busy_together >= 2, (
        "4 limits and 2 workers, but never were 2 workers counting at the same time: submit "
        "every limit before waiting for a result, and do not send them all as one chunk")


def test_bad_arguments_and_no_leftovers():
    with pytest.raises(ValueError):
        count_primes_parallel([10], 0)
    assert count_primes_parallel([], 2) == []
    count_primes_parallel([1_000] * 3, 2)
    left = [c for c in psutil.Process().children() if "resource_tracker" not in " ".join(c.cmdline())]
    assert not left, f"{len(left)} worker process(es) still exist: shut the pool down"
