"""Visible tests for e06: run `pytest exercises/e06_bounded_buffer`.

The thread tests use concurlab's interleaving explorer: it runs your threads
one step at a time, choosing who goes next, over many different orders. When
an order goes wrong, the failure shows that order step by step (file:line and
source of each step) and a replay token to run exactly that order again.
Time inside the explorer is virtual: `time.sleep(1)` and timeouts take no
real time, and pass only while every thread is waiting.
"""

from __future__ import annotations

import time

import pytest
from buffer import BoundedBuffer

from grader.interleave import explore


class World:
    """What the threads of one schedule share."""

    def __init__(self, capacity: int) -> None:
        self.buf = BoundedBuffer(capacity)
        self.got: list = []


def producer(k: int, items: int):
    def produce(w: World) -> None:
        for i in range(items):
            w.buf.put((k, i))
    return produce


def consumer(items: int):
    def consume(w: World) -> None:
        for _ in range(items):
            w.got.append(w.buf.get())
    return consume


def test_bad_capacity():
    with pytest.raises(ValueError):
        BoundedBuffer(0)


def test_fifo_and_len():
    buf = BoundedBuffer(3)
    for x in "abc":
        buf.put(x)
    assert len(buf) == 3
    assert [buf.get(), buf.get(), buf.get()] == ["a", "b", "c"], "oldest item first"
    assert len(buf) == 0


def test_timeouts():
    buf = BoundedBuffer(1)
    with pytest.raises(TimeoutError):
        buf.get(timeout=0)
    start = time.monotonic()
    with pytest.raises(TimeoutError):
        buf.get(timeout=0.05)
    assert time.monotonic() - start >= 0.045, "get(timeout=0.05) must wait 0.05 s before giving up"
    buf.put(1)
    try:
        buf.put(2, timeout=0)
    except TimeoutError:
        pass
    else:
        pytest.fail("put(2, timeout=0) on a full buffer (capacity 1) must raise TimeoutError")
    assert len(buf) == 1, "a full buffer must not take another item"


def test_one_producer_one_consumer():
    def check(w: World) -> None:
        assert w.got == [(0, i) for i in range(3)], f"got {w.got}"

    result = explore(lambda: World(1), [producer(0, 3), consumer(3)], check, schedules=100)
    assert result.ok, result.story


def test_two_producers_two_consumers():
    def check(w: World) -> None:
        assert sorted(w.got) == [(0, 0), (0, 1), (1, 0), (1, 1)], f"got {w.got}"

    result = explore(lambda: World(1), [producer(0, 2), producer(1, 2), consumer(2), consumer(2)],
                     check, schedules=300)
    assert result.ok, result.story


def test_waiting_consumer_sleeps():
    def consume(w: World) -> None:
        w.got.append(w.buf.get(timeout=5))

    def late_producer(w: World) -> None:
        time.sleep(1)
        w.buf.put("late")

    result = explore(lambda: World(1), [consume, late_producer], schedules=3, max_steps=3000)
    assert result.ok, (
        "a consumer waiting for an item must sleep on the condition, not loop checking the "
        f"buffer over and over:\n{result.story}")
