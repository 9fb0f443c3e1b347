"""Hidden tests for e06_bounded_buffer: BoundedBuffer(capacity) with put/get/len.

Thread-safety is judged by the interleaving explorer running inside the
subject (``scenarios.py``): it controls which thread runs at every step, so a
lost wake-up is found by searching schedules, not by hoping a stress loop
hits it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.driver.explored import explorer_says, judge, settled
from grader.driver.verdicts import Inconclusive
from grader.instruments import Stopwatch

SCENARIOS = Path(__file__).parent / "scenarios.py"
SCHEDULES = 150
SYSTEMATIC = Path(__file__).parent / "systematic.py"
#: Every one-preemption schedule of a woken put (the reference needs under 200).
SYSTEMATIC_BUDGET = 1000


def explored(subject, scenario: str, *args: object, schedules: int) -> dict:
    """Run ``scenario`` of scenarios.py inside the subject over ``schedules`` schedules."""
    run = getattr(subject.load(SCENARIOS), scenario)
    return settled(run(*args, schedules), schedules)


def raises_timeout(call, *args, what: str, **kwargs) -> None:
    """Assert that ``call`` raises TimeoutError; the message says what should have timed out."""
    try:
        call(*args, **kwargs)
    except TimeoutError:
        return
    pytest.fail(f"{what} returned instead of raising TimeoutError")


def test_bad_capacity(subject):
    sub = subject.module()
    for capacity in (0, -3):
        with pytest.raises(ValueError):
            sub.BoundedBuffer(capacity)
            pytest.fail(f"BoundedBuffer({capacity}) must raise ValueError")
    assert len(sub.BoundedBuffer(1)) == 0, "a new BoundedBuffer(1) must be empty (len 0)"


def test_fifo_one_thread(subject):
    buf = subject.module().BoundedBuffer(5)
    for i in range(5):
        buf.put(f"item {i}")
        assert len(buf) == i + 1, f"after {i + 1} put(s), len(buffer) is {len(buf)}"
    got = [buf.get() for _ in range(5)]
    assert got == [f"item {i}" for i in range(5)], f"items must come out oldest first, got {got}"
    assert len(buf) == 0, f"after getting every item, len(buffer) is {len(buf)}, expected 0"


def test_get_times_out_when_empty(subject):
    buf = subject.module().BoundedBuffer(2)
    for timeout in (0, -1):
        raises_timeout(buf.get, timeout=timeout,
                       what=f"get(timeout={timeout}) on an empty buffer")
    with Stopwatch() as sw:
        raises_timeout(buf.get, timeout=0.05, what="get(timeout=0.05) on an empty buffer")
    assert sw.seconds >= 0.045, (
        f"get(timeout=0.05) on an empty buffer gave up after {sw.seconds * 1000:.0f} ms: it "
        "must wait the whole timeout for an item first")
    buf.put("x")
    assert buf.get(timeout=0) == "x", "get(timeout=0) must return the item when there is one"


def test_full_buffer_blocks_put(subject, seed):
    buf = subject.module().BoundedBuffer(2)
    buf.put("a")
    buf.put("b")
    for timeout in (0, 0.02):
        raises_timeout(buf.put, "c", timeout=timeout,
                       what=f"put('c', timeout={timeout}) on a full buffer (capacity 2, 2 items)")
    assert len(buf) == 2, f"a buffer of capacity 2 holds {len(buf)} items"
    assert buf.get() == "a", "the oldest item comes out first"
    buf.put("c", timeout=0)
    assert len(buf) == 2, "after a get made room, put(timeout=0) must succeed"
    result = explored(subject, "full_buffer_blocks", 2, seed, schedules=20)
    assert result["verdict"] == "ok", explorer_says(
        result, "put must wait while the buffer is full, until a get makes room:")
    woken = subject.load(SYSTEMATIC).woken_put_keeps_its_deadline(SYSTEMATIC_BUDGET)
    judge(woken, "put('new', timeout=1) on a full buffer while another thread takes an item and "
                 "puts it back every 0.3 s: the put must give up 1 s after it was called, however "
                 "often it is woken (compute the deadline once; wait only for what is left of it)")
    if not woken["exhausted"]:
        raise Inconclusive(f"the search of every one-preemption schedule did not finish in "
                           f"{woken['schedules_run']} schedules (machine busy?)")


def test_woken_threads_recheck(subject, seed):
    result = explored(subject, "producers_consumers", 1, 2, 2, 2, seed, schedules=100)
    assert result["verdict"] == "ok", explorer_says(
        result, "1 producer puts 2 items, 2 consumers get one each (capacity 2): some schedule "
                "goes wrong. A thread that wakes up must check again whether it can go on: "
                "another thread may have taken the item first.")


def test_no_lost_wakeup(subject, seed):
    result = explored(subject, "producers_consumers", 2, 2, 2, 1, seed + 1,
                      schedules=SCHEDULES)
    assert result["verdict"] == "ok", explorer_says(
        result, "2 producers and 2 consumers, capacity 1, two items each: some schedule goes "
                "wrong. Every thread that waits must be woken when it can go on.")


def test_no_busy_wait(subject, seed):
    result = explored(subject, "blocked_get_sleeps", seed, schedules=3)
    assert result["verdict"] == "ok", explorer_says(
        result, "a consumer called get(timeout=5) on an empty buffer and a producer put an item "
                "1 s later. While it waits, the consumer must sleep (Condition.wait), not run "
                "in a loop checking again and again: that burns a CPU doing nothing.")


@pytest.mark.parametrize("scenario, what", [
    ("racing_puts_for_one_slot", "two threads call put(timeout=1) on an empty buffer of "
                                 "capacity 1 that nobody reads"),
    ("racing_gets_for_one_item", "two threads call get(timeout=1) on a buffer holding one item "
                                 "that nobody fills"),
], ids=["puts", "gets"])
def test_check_and_act_in_one_critical_section(subject, scenario, what):
    """Every schedule with at most one preemption: the same verdict under every seed."""
    result = getattr(subject.load(SYSTEMATIC), scenario)(SYSTEMATIC_BUDGET)
    judge(result, f"{what}; some schedule went wrong")
    if not result["exhausted"]:
        raise Inconclusive(f"the search of every one-preemption schedule did not finish in "
                           f"{result['schedules_run']} schedules (machine busy?)")
