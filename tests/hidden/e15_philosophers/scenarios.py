"""Explorer scenarios for e15, run inside the subject (next to the submission).

``dine`` starts its own threads, so it runs as the explorer's single worker;
the philosopher threads it starts are controlled too. ``eat`` is the
scenario's own function: it records who is eating, and when.
"""

from __future__ import annotations

import philosophers

from grader.interleave import exists, explore


class Table:
    """What one schedule shares: who is eating now, meals counted by ``eat``, the result.

    Deadlocked schedules never reach the end, so searches (``exists``) that look
    at ``eating`` only judge what they look for; ``dinner`` judges deadlocks.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.eating: set[int] = set()
        self.meals = [0] * n
        self.result: list[int] | None = None

    def eat(self, i: int) -> None:
        self.eating.add(i)
        self.meals[i] += 1
        self.eating.discard(i)


def _dine(n: int, meals: int):
    def main(t: Table) -> None:
        t.result = philosophers.dine(n, meals, t.eat)
    return main


def _everyone_ate(meals: int):
    def check(t: Table) -> None:
        want = [meals] * t.n
        assert t.meals == want, f"eat(i) was called {t.meals} times per philosopher, expected {want}"
        assert t.result == want, f"dine returned {t.result}, expected {want}"
    return check


def dinner(n: int, meals: int, seed: int, schedules: int) -> dict:
    """``dine(n, meals, eat)`` under many interleavings: it ends, every philosopher ate ``meals`` times."""
    return explore(lambda: Table(n), _dine(n, meals), _everyone_ate(meals),
                   schedules=schedules, seed=seed).to_dict()


def _neighbours(n: int, i: int, j: int) -> bool:
    return (i + 1) % n == j or (j + 1) % n == i


def neighbours_together(n: int, meals: int, seed: int, schedules: int) -> dict:
    """Search for a schedule where two neighbours (who share a fork) eat at the same time.

    ``full_dinners`` counts the schedules where everyone ate every meal: a
    ``dine`` that never calls ``eat`` must not pass for safe.
    """
    tables: list[Table] = []

    def setup() -> Table:
        tables.append(Table(n))
        return tables[-1]

    def together(t: Table) -> bool:
        return any(_neighbours(n, i, j) for i in t.eating for j in t.eating if i < j)

    result = exists(setup, _dine(n, meals), together, schedules=schedules, seed=seed).to_dict()
    result["full_dinners"] = sum(t.meals == [meals] * n for t in tables)
    return result


def non_neighbours_together(n: int, seed: int, schedules: int) -> dict:
    """Search for a schedule where two philosophers who share no fork eat at the same time."""
    def together(t: Table) -> bool:
        return any(not _neighbours(n, i, j) for i in t.eating for j in t.eating if i < j)

    return exists(lambda: Table(n), _dine(n, 1), together, schedules=schedules,
                  seed=seed).to_dict()
