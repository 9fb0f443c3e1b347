"""Visible tests for e07: run `pytest exercises/e07_pipeline`."""

from __future__ import annotations

import threading
import time

import pytest
from pipeline import run_pipeline

from grader.instruments import InFlight


def test_every_item_goes_through_every_stage_in_order():
    def slow_on_multiples_of_three(x):
        time.sleep(0.02 if x % 3 == 0 else 0)
        return x * 2

    got = run_pipeline(range(20), [slow_on_multiples_of_three, lambda x: x + 1],
                       workers_per_stage=3, maxsize=2)
    assert got == [2 * i + 1 for i in range(20)], (
        "results must be each item passed through every stage, in input order")


def test_each_stage_has_its_own_workers():
    first, second = InFlight(delay=0.02), InFlight(delay=0.02)
    run_pipeline(range(24), [first, second], workers_per_stage=3, maxsize=2)
    for name, stage in (("first", first), ("second", second)):
        assert stage.peak <= 3, f"the {name} stage ran {stage.peak} calls at once, but workers_per_stage=3"
        assert stage.total == 24, f"the {name} stage was called {stage.total} times for 24 items"
        assert stage.peak > 1, f"the {name} stage ran one call at a time: start workers_per_stage threads"


def test_input_is_read_lazily():
    read = 0
    gate = threading.Event()

    def numbers():
        nonlocal read
        for i in range(500):
            read += 1
            yield i

    def blocked(x):
        gate.wait(5)
        return x

    results = []
    worker = threading.Thread(target=lambda: results.extend(
        run_pipeline(numbers(), [blocked], workers_per_stage=2, maxsize=2)))
    worker.start()
    time.sleep(0.3)
    ahead = read
    gate.set()
    worker.join()
    assert results == list(range(500)), "every item must come out once the stage goes on"
    assert ahead <= (2 + 2) * (1 + 1), (
        f"{ahead} items were read while the only stage was blocked: use bounded queues")


def test_a_stage_exception_is_raised_promptly_and_threads_stop():
    before = threading.active_count()

    def fails_on_seven(x):
        if x == 7:
            raise RuntimeError("failed on item 7")
        return x

    def slow(x):
        time.sleep(0.02)
        return x

    start = time.perf_counter()
    with pytest.raises(RuntimeError, match="failed on item 7"):
        run_pipeline(range(1000), [slow, fails_on_seven, slow], workers_per_stage=2, maxsize=2)
    assert time.perf_counter() - start < 2, "the exception must stop the pipeline promptly"
    assert threading.active_count() == before, "threads are still alive after the exception"


def test_no_stages_and_bad_arguments():
    assert run_pipeline(iter("abc"), []) == ["a", "b", "c"]
    with pytest.raises(ValueError):
        run_pipeline([1, 2], [abs], workers_per_stage=0)
    with pytest.raises(ValueError):
        run_pipeline([1, 2], [abs], maxsize=0)
    with pytest.raises(ValueError):  # the arguments are checked first, even with no stages
        run_pipeline([1, 2], [], workers_per_stage=0)


def test_no_thread_left_running():
    before = threading.active_count()
    run_pipeline(range(30), [abs, abs, abs], workers_per_stage=4, maxsize=2)
    assert threading.active_count() == before, "threads still alive: send one sentinel per worker, then join"
