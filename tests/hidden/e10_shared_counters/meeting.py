"""Trusted helper for e10, run inside the subject (next to histogram.py).

A count is lost between processes only when one worker reads a shared count
while another is between its read and its write: with a few updates per
worker (count locally, then add each bin's total) that window is a few
microseconds, which no stress loop hits.  So the first read a worker makes of
a ``multiprocessing.Array`` without holding the array's own lock waits, up to
``WAIT`` seconds, until another worker has read too.  Code that holds a lock
all workers share around its read and write makes that wait time out (the
other worker cannot read yet) and loses nothing; code that holds no lock, or
a lock only it uses, has both workers read the same count, and one addition
is lost on every run.

Workers are forked, so they inherit the instrumented array class; code that
asks for another start method, or shares counts another way, is not
instrumented here (the contention trials still judge it).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from multiprocessing.sharedctypes import SynchronizedArray
from typing import Any

import histogram

#: Seconds a worker's first unlocked read waits for another worker's read.
WAIT = 0.5


def _holds_own_lock(counts: SynchronizedArray) -> bool:
    """Does this process hold the array's own lock (``with counts.get_lock():``)?"""
    is_mine = getattr(getattr(counts.get_lock(), "_semlock", None), "_is_mine", None)
    return bool(is_mine and is_mine())


def first_reads_meet(n: int, bins: int, workers: int) -> dict[str, Any]:
    """``parallel_histogram([1] * n, bins, workers)`` with the first unlocked reads made to meet.

    Returns the counts and how many worker reads were made to wait.
    """
    ctx = multiprocessing.get_context("fork")
    readers = ctx.Value("i", 0)
    caller = os.getpid()
    original = SynchronizedArray.__getitem__

    def getitem(self: SynchronizedArray, i: Any) -> Any:
        got = original(self, i)
        if os.getpid() != caller and not _holds_own_lock(self):
            with readers.get_lock():
                readers.value += 1
            end = time.monotonic() + WAIT
            while readers.value < 2 and time.monotonic() < end:
                time.sleep(0.001)
        return got

    SynchronizedArray.__getitem__ = getitem  # type: ignore[method-assign]
    try:
        counts = histogram.parallel_histogram([1] * n, bins, workers=workers)
    finally:
        SynchronizedArray.__getitem__ = original  # type: ignore[method-assign]
    return {"counts": list(counts), "reads": readers.value}
