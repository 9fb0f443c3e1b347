# rejects: test_no_count_lost_under_contention
"""A lock-free shared array (`lock=False`), each worker doing `counts[v] += 1`.

Nothing forces a switch between the read and the write, so the loss shows only
when two workers truly run at the same instant: two processes then lose tens of
thousands of counts in a few hundred thousand increments.
"""

import multiprocessing as mp


def _work(counts, chunk):
    for v in chunk:
        counts[v] += 1


def parallel_histogram(values, bins, workers=2):
    values = list(values)
    if any(type(v) is not int or not 0 <= v < bins for v in values):
        raise ValueError("every value must be an int in range(bins)")
    counts = mp.Array("l", bins, lock=False)
    size = -(-len(values) // workers) if values else 1
    procs = [mp.Process(target=_work, args=(counts, values[i:i + size]))
             for i in range(0, len(values), size)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    return list(counts)
