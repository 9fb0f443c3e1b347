"""Dining philosophers without deadlock (reference solution)."""

from __future__ import annotations

import threading
from collections.abc import Callable


def dine(n: int, meals: int, eat: Callable[[int], None] | None = None) -> list[int]:
    """Run ``n`` philosopher threads that each eat ``meals`` times; return meals eaten per philosopher.

    Philosopher ``i`` needs forks ``i`` and ``(i + 1) % n``. Everyone picks up
    the lower-numbered fork first: a cycle of waiting needs someone holding a
    higher fork while waiting for a lower one, and nobody ever does that.
    """
    if n < 2:
        raise ValueError(f"dining needs at least 2 philosophers, got {n}")
    if meals < 0:
        raise ValueError(f"meals must be >= 0, got {meals}")
    forks = [threading.Lock() for _ in range(n)]
    eaten = [0] * n

    def philosopher(i: int) -> None:
        first, second = sorted((i, (i + 1) % n))
        for _ in range(meals):
            with forks[first], forks[second]:
                if eat is not None:
                    eat(i)
                eaten[i] += 1

    threads = [threading.Thread(target=philosopher, args=(i,), name=f"philosopher-{i}")
               for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return eaten
