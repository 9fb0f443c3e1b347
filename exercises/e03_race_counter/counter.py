"""e03 - Race conditions: a counter that loses updates.

This counter works perfectly with one thread. With several threads, two
``increment`` calls can both read the same old value, and both write back
old + 1: one of the updates is lost. Your task is to fix it.
"""

from __future__ import annotations

import time


class Counter:
    """An integer counter that many threads may update at once."""

    def __init__(self, start: int = 0) -> None:
        # TODO: give each Counter its own lock (two counters must not block each other).
        self._value = start

    def increment(self, by: int = 1) -> None:
        """Add ``by``; never lost when other threads update at the same time."""
        # TODO: read, add and write back as one step that no other thread can split.
        current = self._value  # 1. read
        time.sleep(0)  # 2. a call: any other thread may run here (and read the same value)
        self._value = current + by  # 3. write back: overwrites what that thread wrote

    def decrement(self, by: int = 1) -> None:
        """Subtract ``by``; never lost when other threads update at the same time."""
        # TODO: the same fix as increment.
        current = self._value
        time.sleep(0)
        self._value = current - by

    @property
    def value(self) -> int:
        """The current count."""
        return self._value
