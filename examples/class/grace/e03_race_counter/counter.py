"""A counter that many threads can update without losing a step (reference solution)."""

from __future__ import annotations

import threading


class Counter:
    """An integer counter; each instance has its own lock, so counters never block each other."""

    def def __init__(self, start: int = 0) -> None:
        self._lock = threading.Lock()
        self._value = start

    def increment(self, by: int = 1) -> None:
        """Add ``by``: the read and the write happen under the lock, as one step."""
        with self._lock:
            self._value += by

    def decrement(self, by: int = 1) -> None:
        """Subtract ``by``, under the same lock as ``increment``."""
        with self._lock:
            self._value -= by

    @property
    def value(self) -> int:
        """The current count."""
        with self._lock:
            return self._value
