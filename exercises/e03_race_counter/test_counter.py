"""Visible tests for e03: run `pytest exercises/e03_race_counter`.

The concurrent tests use the interleaving explorer: it runs your threads one
step at a time and tries dozens of different orders. When an order breaks
your counter, the failure shows that exact order, line by line.
"""

from __future__ import annotations

import threading

from counter import Counter

from grader.interleave import explore
from grader.interleave.fresh import fresh_module

#: counter.py run anew for each schedule: the locks it makes are then ones the explorer sees.
fresh_counter = fresh_module("counter")
#: Orders tried per test: a lost update here shows within the first few; the grader's hidden
#: tests try many more.
SCHEDULES = 50


def test_counts_in_one_thread():
    c = Counter(5)
    c.increment()
    c.increment(3)
    c.decrement(2)
    assert c.value == 7, f"Counter(5), increment(), increment(3), decrement(2): expected 7, got {c.value}"
    assert Counter().value == 0, "Counter() starts at 0"


def test_two_increments_are_never_lost():
    def both_counted(c):
        assert c.value == 2, f"two threads each called increment() once, but value is {c.value}"

    result = explore(lambda: fresh_counter().Counter(0),
                     [lambda c: c.increment(), lambda c: c.increment()], both_counted,
                     schedules=SCHEDULES)
    assert result.verdict == "ok", result.story


def test_increment_and_decrement_are_never_lost():
    def both_counted(c):
        assert c.value == 12, f"Counter(10), increment(5) and decrement(3) at once: value is {c.value}"

    result = explore(lambda: fresh_counter().Counter(10),
                     [lambda c: c.increment(5), lambda c: c.decrement(3)], both_counted,
                     schedules=SCHEDULES)
    assert result.verdict == "ok", result.story


class MeetingAmount(int):
    """The amount 1; adding it to a counter's value waits until the other thread adds too."""

    barrier = None

    def __radd__(self, other):
        if other in (1000, 2000):  # the two counters' values: we are inside increment
            self.barrier.wait()
        return other + int(self)


def test_two_counters_do_not_block_each_other():
    def setup():
        cls = fresh_counter().Counter
        amount = MeetingAmount(1)
        amount.barrier = threading.Barrier(2)
        return cls(1000), cls(2000), amount

    result = explore(setup, [lambda s: s[0].increment(s[2]), lambda s: s[1].increment(s[2])],
                     schedules=SCHEDULES)
    assert result.verdict != "deadlock", (
        "increment on two different Counters: each waits inside for the other to get in too, "
        "but one was stuck on a lock the other held. Does every Counter share one lock?\n"
        + result.story)
    assert result.verdict == "ok", result.story
