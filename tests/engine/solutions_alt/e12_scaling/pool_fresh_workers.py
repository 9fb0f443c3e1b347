"""Amdahl's law by search, and parallel_map on a multiprocessing.Pool whose workers are replaced.

Written from the catalog alone: no ProcessPoolExecutor, workers_needed counts up
instead of solving the formula, and each worker process retires after a few
chunks (maxtasksperchild), so more than ``workers`` processes run in all but
never more than ``workers`` at once.
"""

import math
import multiprocessing


def _fraction(p):
    if not 0 <= p <= 1:
        raise ValueError("parallel_fraction must be between 0 and 1")


def amdahl_speedup(parallel_fraction, workers):
    _fraction(parallel_fraction)
    if workers < 1:
        raise ValueError("workers must be >= 1")
    return 1 / (1 - parallel_fraction + parallel_fraction / workers)


def max_speedup(parallel_fraction):
    _fraction(parallel_fraction)
    if parallel_fraction == 1:
        return math.inf
    return 1 / (1 - parallel_fraction)


def workers_needed(parallel_fraction, target):
    _fraction(parallel_fraction)
    if target < 1:
        raise ValueError("target must be >= 1")
    if max_speedup(parallel_fraction) < target * (1 - 1e-9):
        return None
    lo, hi = 1, 1
    while amdahl_speedup(parallel_fraction, hi) < target * (1 - 1e-9):
        hi *= 2
    while lo < hi:
        mid = (lo + hi) // 2
        if amdahl_speedup(parallel_fraction, mid) >= target * (1 - 1e-9):
            hi = mid
        else:
            lo = mid + 1
    return lo


def parallel_map(fn, items, workers=2, chunksize=None):
    if workers < 1:
        raise ValueError("workers must be >= 1")
    items = list(items)
    if not items:
        return []
    if chunksize is None:
        chunksize = max(1, len(items) // (workers * 8))
    with multiprocessing.Pool(workers, maxtasksperchild=2) as pool:
        return pool.map(fn, items, chunksize)
