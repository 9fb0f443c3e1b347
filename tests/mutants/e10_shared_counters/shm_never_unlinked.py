# rejects: test_nothing_left_behind
"""Shared memory done right in the workers, but the creator closes the block and never unlinks it."""

import multiprocessing
from collections import Counter
from multiprocessing import shared_memory


def _count(name, lock, bins, values):
    shm = shared_memory.SharedMemory(name=name)
    counts = shm.buf.cast("q")
    local = Counter(values)
    with lock:
        for bin_, n in local.items():
            counts[bin_] += n
    counts.release()
    shm.close()


def parallel_histogram(values, bins, workers=2):
    for value in values:
        if not isinstance(value, int) or not 0 <= value < bins:
            raise ValueError(f"{value!r} is not an int in range({bins})")
    shm = shared_memory.SharedMemory(create=True, size=8 * bins)
    shm.buf[:] = bytes(8 * bins)
    lock = multiprocessing.Lock()
    procs = [multiprocessing.Process(target=_count, args=(shm.name, lock, bins, values[i::workers]))
             for i in range(workers)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    counts = shm.buf.cast("q")
    result = list(counts)
    counts.release()
    shm.close()
    return result
