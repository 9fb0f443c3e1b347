"""Amdahl's law and task granularity (reference solution)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

#: "Reaches" forgives this relative rounding error (0.95 and 19 workers give 9.999999999999996).
REL_TOL = 1e-9

#: Aim for this many chunks per worker: big enough to amortise, small enough to balance.
CHUNKS_PER_WORKER = 4


def _check_fraction(parallel_fraction: float) -> None:
    if not 0.0 <= parallel_fraction <= 1.0:
        raise ValueError(f"parallel_fraction must be in [0, 1], got {parallel_fraction}")


def amdahl_speedup(parallel_fraction: float, workers: int) -> float:
    """How many times faster a job gets on ``workers`` workers when only a fraction runs in parallel."""
    _check_fraction(parallel_fraction)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    return 1.0 / ((1.0 - parallel_fraction) + parallel_fraction / workers)


def max_speedup(parallel_fraction: float) -> float:
    """The limit of ``amdahl_speedup`` as workers grow: the serial part never shrinks."""
    _check_fraction(parallel_fraction)
    serial = 1.0 - parallel_fraction
    return math.inf if serial == 0.0 else 1.0 / serial


def _reaches(parallel_fraction: float, workers: int, target: float) -> bool:
    return amdahl_speedup(parallel_fraction, workers) >= target * (1.0 - REL_TOL)


def workers_needed(parallel_fraction: float, target: float) -> int | None:
    """The fewest workers whose speedup reaches ``target``; ``None`` when no number can."""
    _check_fraction(parallel_fraction)
    if target < 1:
        raise ValueError(f"target must be at least 1, got {target}")
    # (1 - p) + p / n <= 1 / target  <=>  n >= p / (1 / target - (1 - p))
    room = 1.0 / (target * (1.0 - REL_TOL)) - (1.0 - parallel_fraction)
    if room <= 0.0:
        return None
    workers = max(1, math.ceil(parallel_fraction / room))
    # the closed form may be off by one either way in floating point: settle it exactly
    while workers > 1 and _reaches(parallel_fraction, workers - 1, target):
        workers -= 1
    while not _reaches(parallel_fraction, workers, target):
        workers += 1
    return workers


def parallel_map(fn: Callable[[Any], Any], items: Sequence, workers: int = 2,
                 chunksize: int | None = None) -> list:
    """``[fn(x) for x in items]`` computed in ``workers`` processes, results in input order.

    Sending one item costs a round trip between processes (tens of microseconds); for
    tiny items that costs more than the work, so by default items travel in chunks.
    """
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if chunksize is not None and chunksize < 1:
        raise ValueError(f"chunksize must be at least 1, got {chunksize}")
    if not items:
        return []
    if chunksize is None:
        chunksize = max(1, math.ceil(len(items) / (workers * CHUNKS_PER_WORKER)))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items, chunksize=chunksize))
