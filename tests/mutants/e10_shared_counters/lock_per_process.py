# rejects: test_no_count_lost_under_contention
"""Each worker makes its own Lock: a lock nobody else holds excludes nobody."""

import multiprocessing


def _count(counts, values):
    lock = multiprocessing.Lock()
    for value in values:
        with lock:
            counts[value] += 1


def parallel_histogram(values, bins, workers=2):
    for value in values:
        if not isinstance(value, int) or not 0 <= value < bins:
            raise ValueError(f"{value!r} is not an int in range({bins})")
    counts = multiprocessing.Array("q", bins)
    procs = [multiprocessing.Process(target=_count, args=(counts, values[i::workers]))
             for i in range(workers)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    return list(counts)
