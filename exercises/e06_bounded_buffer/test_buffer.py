"""Visible tests for e06: run `pytest exercises/e06_bounded_buffer`.

The thread tests use concurlab's interleaving explorer: it runs your threads
one step at a time, choosing who goes next, over many different orders. When
an order goes wrong, the failure shows that order step by step (file:line and
source of each step) and a replay token to run exactly that order again.
Time inside the explorer is virtual: `time.sleep(1)` and timeouts take no
real time, and pass only while every thread is waiting.
"""

from __future__ import annotations

import contextlib
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


def test_put_on_a_full_buffer_times_out():
    def fill_then_put(w: World) -> None:
        w.buf.put(1)
        try:
            w.buf.put(2, timeout=0.5)
        except TimeoutError:
            w.got.append("timed out")

    def timed_out(w: World) -> None:
        assert w.got == ["timed out"], "put(2, timeout=0.5) on a full buffer must raise TimeoutError"
        assert len(w.buf) == 1, "a full buffer must not take another item"

    result = explore(lambda: World(1), [fill_then_put], timed_out, schedules=1)
    assert result.verdict != "deadlock", (
        "put(2, timeout=0.5) on a full buffer (capacity 1) waited forever: does put pass its "
        f"timeout on to wait()?\n{result.story}")
    assert result.ok, result.story


def test_a_wake_up_does_not_restart_the_timeout():
    def waiting_put(w: World) -> None:
        start = time.monotonic()
        with contextlib.suppress(TimeoutError):
            w.buf.put("late", timeout=1)
        w.got.append(time.monotonic() - start)

    def swapper(w: World) -> None:  # every 0.4 s: take the item and put one back at once
        for _ in range(4):
            time.sleep(0.4)
            item = w.buf.get()
            with contextlib.suppress(TimeoutError):  # the waiting put took the free slot first
                w.buf.put(item, timeout=0)

    def within_its_timeout(w: World) -> None:
        waited = w.got[0]
        assert waited <= 1.01, (
            f"put(timeout=1) was woken every 0.4 s while the buffer stayed full and gave up only "
            f"after {waited:.1f} s: the timeout counts from the call, not from the last wake-up "
            "(wait_for, or wait for what is left of it)")

    def full() -> World:
        w = World(1)
        w.buf.put("first")
        return w

    result = explore(full, [waiting_put, swapper], within_its_timeout, strategy="pct",
                     schedules=20)
    assert result.ok, result.story


def test_one_producer_one_consumer():
    def check(w: World) -> None:
        assert w.got == [(0, i) for i in range(3)], f"got {w.got}"

    result = explore(lambda: World(1), [producer(0, 3), consumer(3)], check, schedules=30)
    assert result.ok, result.story


def test_two_producers_two_consumers():
    def check(w: World) -> None:
        assert sorted(w.got) == [(0, 0), (0, 1), (1, 0), (1, 1)], f"got {w.got}"

    result = explore(lambda: World(1), [producer(0, 2), producer(1, 2), consumer(2), consumer(2)],
                     check, schedules=50)
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
