"""Visible tests for e15: run `pytest exercises/e15_philosophers`.

The explorer runs `dine` with every thread under its control, choosing who
goes next at each step, over many orders. A deadlock comes back as the story
of the schedule that caused it: who holds which fork and waits for which.
"""

from __future__ import annotations

import pytest
from philosophers import dine

from grader.interleave import exists, explore


class Table:
    """What one schedule shares: who is eating right now, and meals counted by `eat`."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.eating: set[int] = set()
        self.meals = [0] * n

    def eat(self, i: int) -> None:
        self.eating.add(i)
        self.meals[i] += 1
        self.eating.discard(i)


def neighbours(n: int, i: int, j: int) -> bool:
    return (i + 1) % n == j or (j + 1) % n == i


def test_bad_arguments():
    with pytest.raises(ValueError):
        dine(1, 1)


def test_everyone_eats():
    assert dine(5, 3) == [3, 3, 3, 3, 3]


def test_no_deadlock_in_any_schedule():
    def check(t: Table) -> None:
        assert t.meals == [2, 2, 2], f"eat(i) was called {t.meals} times, expected [2, 2, 2]"

    result = explore(lambda: Table(3), lambda t: dine(3, 2, t.eat), check, schedules=40)
    assert result.ok, result.story


def test_neighbours_never_eat_at_once():
    def two_neighbours_eating(t: Table) -> bool:
        return any(neighbours(3, i, j) for i in t.eating for j in t.eating if i < j)

    result = exists(lambda: Table(3), lambda t: dine(3, 1, t.eat), two_neighbours_eating,
                    schedules=30)
    assert not result.found, f"two neighbours ate at the same time:\n{result.story}"


def test_non_neighbours_can_eat_at_once():
    def zero_and_two_eating(t: Table) -> bool:
        return {0, 2} <= t.eating or {1, 3} <= t.eating

    result = exists(lambda: Table(4), lambda t: dine(4, 1, t.eat), zero_and_two_eating,
                    schedules=50)
    assert result.found, (
        "philosophers 0 and 2 share no fork, so some schedule should let them eat at the same "
        "time; none did. Is one lock serialising the whole table?")
