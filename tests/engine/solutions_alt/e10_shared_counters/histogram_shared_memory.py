"""A correct histogram in another style: a Pool of workers counting chunks into one locked Array."""

import multiprocessing as mp

_counts = None


def _init(counts):
    global _counts
    _counts = counts


def _count(chunk):
    local = {}
    for v in chunk:
        local[v] = local.get(v, 0) + 1
    with _counts.get_lock():
        for v, n in local.items():
            _counts[v] += n


def parallel_histogram(values, bins, workers=2):
    values = list(values)
    for v in values:
        if type(v) is not int or not 0 <= v < bins:
            raise ValueError(f"bad value {v!r} for {bins} bins")
    counts = mp.Array("l", bins)
    if values:
        size = -(-len(values) // workers)
        chunks = [values[i:i + size] for i in range(0, len(values), size)]
        with mp.Pool(workers, initializer=_init, initargs=(counts,)) as pool:
            pool.map(_count, chunks)
            pool.close()
            pool.join()
    return list(counts[:])
