"""Count values into one shared array from several processes (reference solution)."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Sequence
from multiprocessing.sharedctypes import SynchronizedArray


def _count(counts: SynchronizedArray, values: Sequence[int]) -> None:
    """Count locally, then add to the shared counts under the array's lock.

    ``counts[b] += n`` is a read then a write: without the lock, two processes
    read the same count and one of the two additions is lost.
    """
    local = Counter(values)
    with counts.get_lock():
        for bin_, n in local.items():
            counts[bin_] += n


def parallel_histogram(values: Sequence[int], bins: int, workers: int = 2) -> list[int]:
    """How many of ``values`` fall in each of ``range(bins)``, counted by worker processes."""
    for value in values:
        if not isinstance(value, int) or not 0 <= value < bins:
            raise ValueError(f"{value!r} is not an int in range({bins})")
    counts = multiprocessing.Array("q", bins)  # zeroed, with its own lock
    procs = [multiprocessing.Process(target=_count, args=(counts, values[i::workers]))
             for i in range(max(1, workers))]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    return list(counts)
