# rejects: test_bad_values_rejected_before_any_process
"""Validates the values inside the workers: processes have started, and the error dies there."""

import multiprocessing
from collections import Counter


def _count(counts, values, bins):
    for value in values:
        if not isinstance(value, int) or not 0 <= value < bins:
            raise ValueError(f"{value!r} is not an int in range({bins})")
    local = Counter(values)
    with counts.get_lock():
        for bin_, n in local.items():
            counts[bin_] += n


def parallel_histogram(values, bins, workers=2):
    counts = multiprocessing.Array("q", bins)
    procs = [multiprocessing.Process(target=_count, args=(counts, values[i::workers], bins))
             for i in range(workers)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    if any(proc.exitcode for proc in procs):
        raise ValueError("a value is not an int in range(bins)")
    return list(counts)
