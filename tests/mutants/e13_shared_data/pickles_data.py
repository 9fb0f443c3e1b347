# rejects: test_workers_map_shared_memory, test_workers_hold_no_copy
"""Sends each worker its slice as an argument: pickled, so every worker holds a copy."""

import operator
from concurrent.futures import ProcessPoolExecutor


def _sum_squares(part):
    return sum(map(operator.mul, part, part))


def parallel_sum_squares(data, workers=2):
    if workers < 1:
        raise ValueError(workers)
    n = len(data)
    if n == 0:
        return 0.0
    slices = [data[i * n // workers:(i + 1) * n // workers] for i in range(workers)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return float(sum(pool.map(_sum_squares, [s for s in slices if s])))
