# rejects: test_uses_worker_processes
"""Right counts, computed in the calling process: no worker, nothing shared."""


def parallel_histogram(values, bins, workers=2):
    counts = [0] * bins
    for value in values:
        if not isinstance(value, int) or not 0 <= value < bins:
            raise ValueError(f"{value!r} is not an int in range({bins})")
        counts[value] += 1
    return counts
