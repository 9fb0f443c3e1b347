"""Sum of squares of a large array, shared with the workers instead of copied (reference)."""

from __future__ import annotations

import multiprocessing
import operator
from array import array
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.shared_memory import SharedMemory


def _sum_squares_slice(name: str, start: int, stop: int) -> float:
    """Runs in a worker: attach the segment by name and read floats ``start:stop`` in place."""
    shm = SharedMemory(name=name)
    try:
        with shm.buf.cast("d") as floats, floats[start:stop] as part:
            return sum(map(operator.mul, part, part))
    finally:
        shm.close()


def parallel_sum_squares(data: array, workers: int = 2) -> float:
    """Sum of ``x * x`` over ``data``, split over ``workers`` processes that share one copy.

    The data goes once into a shared-memory segment; each worker maps the segment and
    reads its slice where it lies. The segment is closed and unlinked on the way out,
    whether the workers succeeded or not.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if not isinstance(data, array) or data.typecode != "d":
        raise TypeError("data must be an array('d')")
    n = len(data)
    if n == 0:
        return 0.0
    shm = SharedMemory(create=True, size=n * data.itemsize)
    try:
        with memoryview(data).cast("B") as raw:
            shm.buf[: len(raw)] = raw
        bounds = [(i * n // workers, (i + 1) * n // workers) for i in range(workers)]
        bounds = [(start, stop) for start, stop in bounds if start < stop]
        # spawn: fork()ing a process that runs threads may copy a lock that is held
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=len(bounds), mp_context=spawn) as pool:
            parts = pool.map(_sum_squares_slice, [shm.name] * len(bounds),
                             [start for start, _ in bounds], [stop for _, stop in bounds])
            return float(sum(parts))
    finally:
        shm.close()
        shm.unlink()
