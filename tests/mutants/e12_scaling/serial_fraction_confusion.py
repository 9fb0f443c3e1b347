# rejects: test_amdahl_speedup, test_max_speedup, test_workers_needed
"""Treats parallel_fraction as the serial share: 1 / (p + (1 - p) / n)."""

import math
from concurrent.futures import ProcessPoolExecutor


def _check(p):
    if not 0.0 <= p <= 1.0:
        raise ValueError(p)


def amdahl_speedup(parallel_fraction, workers):
    _check(parallel_fraction)
    if workers < 1:
        raise ValueError(workers)
    return 1.0 / (parallel_fraction + (1.0 - parallel_fraction) / workers)


def max_speedup(parallel_fraction):
    _check(parallel_fraction)
    return math.inf if parallel_fraction == 0 else 1.0 / parallel_fraction


def workers_needed(parallel_fraction, target):
    _check(parallel_fraction)
    if target < 1:
        raise ValueError(target)
    if target > max_speedup(parallel_fraction) * (1 + 1e-9):
        return None
    n = 1
    while amdahl_speedup(parallel_fraction, n) < target * (1 - 1e-9):
        n += 1
        if n > 10**6:
            return None
    return n


def parallel_map(fn, items, workers=2, chunksize=None):
    if workers < 1:
        raise ValueError(workers)
    if chunksize is None:
        chunksize = max(1, len(items) // (4 * workers))
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(fn, items, chunksize=chunksize))
