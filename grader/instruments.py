"""Instrumented callables for tests: what the student's code did, measured by the caller.

Visible tests hand them to the student's module directly; hidden tests pass
them through the subject as callbacks, so the record stays in the driver.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any


class InFlight:
    """Wraps ``fn``: counts calls per argument, and the peak number running at once.

    ``delay`` simulates I/O latency (a sleep releases the GIL, like a socket).
    """

    def __init__(self, fn: Callable[..., Any] = lambda *a: None, delay: float = 0.0):
        self._fn = fn
        self.delay = delay
        self._lock = threading.Lock()
        self.running = 0
        self.peak = 0
        self.calls: Counter = Counter()
        self.intervals: list[tuple[float, float]] = []

    def __call__(self, *args: Any) -> Any:
        with self._lock:
            self.running += 1
            self.peak = max(self.peak, self.running)
            self.calls[args[0] if len(args) == 1 else args] += 1
        start = time.monotonic()
        try:
            if self.delay:
                time.sleep(self.delay)
            return self._fn(*args)
        finally:
            with self._lock:
                self.running -= 1
                self.intervals.append((start, time.monotonic()))

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def repeated(self) -> dict[Any, int]:
        """Arguments it was called with more than once."""
        return {arg: n for arg, n in self.calls.items() if n > 1}


class Stopwatch:
    """``with Stopwatch() as sw: ...`` then ``sw.seconds``; the clock is captured at import."""

    _clock = staticmethod(time.perf_counter)

    def __enter__(self) -> Stopwatch:
        self.start = self._clock()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = self._clock() - self.start
