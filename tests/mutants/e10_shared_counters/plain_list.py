# rejects: test_counts_each_bin, test_no_count_lost_under_contention, test_uses_worker_processes
"""A plain list for the counts: each worker updates its own pickled copy."""

import multiprocessing


def _count(counts, values):
    for value in values:
        counts[value] += 1


def parallel_histogram(values, bins, workers=2):
    for value in values:
        if not isinstance(value, int) or not 0 <= value < bins:
            raise ValueError(f"{value!r} is not an int in range({bins})")
    counts = [0] * bins
    procs = [multiprocessing.Process(target=_count, args=(counts, values[i::workers]))
             for i in range(workers)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    return counts
