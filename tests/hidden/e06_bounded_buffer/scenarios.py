"""Explorer scenarios for e06, run inside the subject (next to the submission).

Each function explores controlled interleavings of producers and consumers
on the student's ``BoundedBuffer`` and returns ``Result.to_dict()``.
"""

from __future__ import annotations

import time
from typing import Any

import buffer

from grader.interleave import explore


class World:
    """What one schedule shares: the buffer and what each consumer received."""

    def __init__(self, capacity: int, consumers: int) -> None:
        self.buf = buffer.BoundedBuffer(capacity)
        self.received: list[list[Any]] = [[] for _ in range(consumers)]


def _producer(k: int, items: int):
    def produce(w: World) -> None:
        for i in range(items):
            w.buf.put((k, i))
    return produce


def _consumer(c: int, items: int):
    def consume(w: World) -> None:
        for _ in range(items):
            w.received[c].append(w.buf.get())
    return consume


def _delivered_in_order(producers: int, items: int):
    def check(w: World) -> None:
        got = sorted(x for r in w.received for x in r)
        want = [(k, i) for k in range(producers) for i in range(items)]
        assert got == want, f"items put: {want}, items got: {got}"
        for c, r in enumerate(w.received):
            for k in range(producers):
                mine = [i for kk, i in r if kk == k]
                assert mine == sorted(mine), (
                    f"consumer {c} got producer {k}'s items in the order {mine}: not FIFO")
    return check


def producers_consumers(producers: int, consumers: int, items: int, capacity: int, seed: int,
                        schedules: int, strategy: str = "random") -> dict:
    """``producers`` threads put ``items`` each; ``consumers`` threads get as many in total."""
    total = producers * items
    assert total % consumers == 0
    workers = [_producer(k, items) for k in range(producers)]
    workers += [_consumer(c, total // consumers) for c in range(consumers)]
    return explore(lambda: World(capacity, consumers), workers,
                   _delivered_in_order(producers, items), strategy=strategy,
                   schedules=schedules, seed=seed).to_dict()


def blocked_get_sleeps(seed: int, schedules: int) -> dict:
    """A consumer waits up to 5 s; the producer puts after 1 s (virtual time).

    A consumer that sleeps on a condition costs a few dozen steps. One that
    spins (re-checking in a loop) keeps being runnable, so virtual time never
    advances, the producer never wakes, and the step budget runs out.
    """
    def consume(w: World) -> None:
        w.received[0].append(w.buf.get(timeout=5.0))

    def produce(w: World) -> None:
        time.sleep(1.0)
        w.buf.put("late")

    def check(w: World) -> None:
        assert w.received[0] == ["late"], f"the consumer got {w.received[0]}, expected ['late']"

    return explore(lambda: World(1, 1), [consume, produce], check, schedules=schedules, seed=seed,
                   max_steps=3000).to_dict()


def full_buffer_blocks(capacity: int, seed: int, schedules: int) -> dict:
    """A producer puts ``capacity + 1`` items; the consumer looks after 1 s, then takes them all."""
    seen: list[int] = []

    def produce(w: World) -> None:
        for i in range(capacity + 1):
            w.buf.put(i)

    def consume(w: World) -> None:
        time.sleep(1.0)
        seen.append(len(w.buf))
        for _ in range(capacity + 1):
            w.received[0].append(w.buf.get())

    def check(w: World) -> None:
        assert seen[-1] == capacity, (
            f"a producer put {capacity + 1} items into a buffer of capacity {capacity} with no "
            f"consumer; one second later len(buffer) was {seen[-1]}: the last put must wait "
            "until there is room")
        assert w.received[0] == list(range(capacity + 1)), (
            f"the consumer got {w.received[0]}, expected {list(range(capacity + 1))}")

    return explore(lambda: World(capacity, 1), [produce, consume], check, schedules=schedules,
                   seed=seed).to_dict()
