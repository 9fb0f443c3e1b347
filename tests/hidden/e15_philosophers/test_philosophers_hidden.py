"""Hidden tests for e15_philosophers: dine(n, meals, eat=None) -> list[int].

Deadlock freedom and mutual exclusion are judged by the interleaving
explorer inside the subject (``scenarios.py``): ``dine`` runs as one
controlled worker, and the philosopher threads it starts are controlled too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.driver.explored import explorer_says, settled
from grader.instruments import InFlight

SCENARIOS = Path(__file__).parent / "scenarios.py"


def explored(subject, scenario: str, *args: object, schedules: int) -> dict:
    """Run ``scenario`` of scenarios.py inside the subject over ``schedules`` schedules."""
    run = getattr(subject.load(SCENARIOS), scenario)
    return settled(run(*args, schedules), schedules)


def test_bad_arguments(subject):
    sub = subject.module()
    eat = InFlight()
    for n in (1, 0):
        with pytest.raises(ValueError):
            sub.dine(n, 1, eat)
            pytest.fail(f"dine({n}, 1) must raise ValueError: dining needs at least 2 philosophers")
    assert eat.total == 0, "a bad n must raise ValueError before any philosopher eats"
    got = sub.dine(2, 0)
    assert got == [0, 0], f"dine(2, 0) must return [0, 0] (nobody eats), got {got!r}"


def test_everyone_eats(subject):
    sub = subject.module()
    for n, meals in ((5, 3), (2, 4)):
        got = sub.dine(n, meals)
        assert got == [meals] * n, (
            f"dine({n}, {meals}) must return {[meals] * n} (meals eaten per philosopher), "
            f"got {got!r}")
    # Meals that take a while: a dine() that returns before its philosophers are done shows.
    eat = InFlight(delay=0.01)
    got = sub.dine(3, 2, eat)
    assert got == [2, 2, 2] and eat.running == 0 and sum(eat.calls.values()) == 6, (
        f"dine(3, 2, eat) with meals of 10 ms returned {got!r} while {eat.running} meal(s) "
        f"were still being eaten ({sum(eat.calls.values())} of 6 begun): join every "
        "philosopher's thread before returning")


def test_never_deadlocks(subject, seed):
    result = explored(subject, "dinner", 3, 2, seed, schedules=100)
    assert result["verdict"] == "ok", explorer_says(
        result, "dine(3, 2, eat) went wrong in this schedule. If every philosopher holds one fork "
                "and waits for the next, they wait in a circle forever: take the forks in an "
                "order that can never close a circle.")


def test_neighbours_never_eat_together(subject, seed):
    result = explored(subject, "neighbours_together", 3, 2, seed, schedules=40)
    assert result["found"] is False, explorer_says(
        result, "two neighbours ate at the same time in this schedule, although they share a "
                "fork: a philosopher must hold both of their forks while eating.")
    assert result["full_dinners"] > 0, (
        f"in none of {result['schedules_run']} schedules did dine(3, 2, eat) call eat(i) twice "
        "for every philosopher, so there was no meal to check")


def test_non_neighbours_eat_together(subject, seed):
    result = explored(subject, "non_neighbours_together", 4, seed, schedules=30)
    assert result["found"] is True, explorer_says(
        result, "with 4 philosophers, 0 and 2 share no fork (nor do 1 and 3), so they should be "
                "able to eat at the same time; in no schedule did they. Is one lock serialising "
                "the whole table?")
