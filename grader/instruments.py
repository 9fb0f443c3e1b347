"""Instrumented callables for tests: what the student's code did, measured by the caller.

Visible tests hand them to the student's module directly; hidden tests pass
them through the subject as callbacks, so the record stays in the driver.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
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


#: Sampling intervals are merged into windows of at least this many seconds before the excess
#: over one CPU is taken: per interval, CPU readings (10 ms ticks, reading skew) jitter, and
#: the positive part of that jitter alone showed a lone process 5 % "parallel" with 5 ms samples.
PARALLEL_WINDOW = 0.025


def parallel_seconds(samples: list[tuple[float, dict[int, float]]], pids: set[int],
                     window: float = PARALLEL_WINDOW) -> float:
    """CPU seconds that ``pids`` used beyond one CPU's worth, summed over windows of ``window`` s.

    ``samples`` are (time, pid -> CPU seconds) as a :class:`grader.proctree.TreeWatch`
    records them.  In a window of ``w`` seconds one CPU gives at most ``w``
    seconds, so any excess proves two of the processes ran at the same instant:
    time-slicing on one busy core never shows up here.  A process is counted
    only between two samples that both saw it.
    """
    total = grew = span = 0.0
    for (t0, before), (t1, after) in zip(samples, samples[1:], strict=False):
        grew += sum(max(0.0, after[p] - before[p]) for p in pids if p in before and p in after)
        span += t1 - t0
        if span >= window:
            total += max(0.0, grew - span)
            grew = span = 0.0
    return total + max(0.0, grew - span)


def context_switches(pid: int) -> dict[int, int]:
    """Thread id -> context switches so far (voluntary + involuntary) of every thread of ``pid``.

    A thread that blocks in ``Event.wait(10)`` switches out once and stays out; one
    that polls with ``time.sleep(0.001)`` wakes up a thousand times a second, however
    little CPU each wake-up costs.  Read from ``/proc`` (Linux); {} where it cannot be.
    """
    counts: dict[int, int] = {}
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return counts
    for task in tasks:
        try:
            fields = dict(line.split(":", 1) for line in (task / "status").read_text().splitlines()
                          if "ctxt_switches" in line)
            counts[int(task.name)] = sum(int(v) for v in fields.values())
        except (OSError, ValueError):
            continue
    return counts


class Wakeups:
    """Wake-ups of the threads of ``pid`` that were not ``resting``, counted over a ``with`` block.

    ``resting`` is ``set(context_switches(pid))`` taken before the code under test started
    its threads, so only those threads are counted: a blocked one wakes up about never, a
    poller every time its nap ends.
    """

    def __init__(self, pid: int, resting: set[int]):
        self.pid, self.resting = pid, set(resting)
        self.before: dict[int, int] = {}
        self.after: dict[int, int] = {}
        self.seconds = 0.0

    def __enter__(self) -> Wakeups:
        self.before = context_switches(self.pid)
        self._start = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.monotonic() - self._start
        self.after = context_switches(self.pid)

    @property
    def threads(self) -> set[int]:
        """The counted threads: those alive at the start that were not resting."""
        return set(self.before) - self.resting

    @property
    def count(self) -> int:
        return sum(self.after.get(tid, self.before[tid]) - self.before[tid] for tid in self.threads)

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else 0.0
