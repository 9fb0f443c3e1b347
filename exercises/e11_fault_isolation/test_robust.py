"""Visible tests for e11: run `pytest exercises/e11_fault_isolation`."""

from __future__ import annotations

import functools
import multiprocessing
import os
import time

import pytest
from robust import run_isolated


@pytest.fixture(autouse=True)
def spawn():
    """Spawned workers re-import the tasks by name: what fork hides, spawn shows."""
    multiprocessing.set_start_method("spawn", force=True)


# Tasks live at module level so spawned workers can import them by name.
def answer():
    return 42


def fails():
    raise KeyError("missing")


def dies():
    os._exit(3)


def hangs():
    time.sleep(60)


def test_values_in_order():
    got = run_isolated([answer, functools.partial(str, 7), answer], timeout=10)
    assert [(r.status, r.value) for r in got] == [("ok", 42), ("ok", "7"), ("ok", 42)]


def test_error():
    (got,) = run_isolated([fails], timeout=10)
    assert (got.status, got.error) == ("error", "KeyError('missing')")


def test_crash():
    got = run_isolated([dies, answer], timeout=10)
    assert (got[0].status, got[0].exitcode) == ("crashed", 3)
    assert (got[1].status, got[1].value) == ("ok", 42), "a crash must not affect other tasks"


def test_timeout_and_no_child_left():
    start = time.monotonic()
    got = run_isolated([hangs, answer], timeout=2)
    assert [r.status for r in got] == ["timeout", "ok"]
    assert time.monotonic() - start < 10, "a task past its timeout must be stopped"
    assert not multiprocessing.active_children(), "the timed-out process must be killed and joined"
