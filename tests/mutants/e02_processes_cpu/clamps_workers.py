# rejects: test_bad_arguments
"""Quietly turns workers=0 into 1 instead of rejecting it."""

from concurrent.futures import ProcessPoolExecutor


def count_primes(limit):
    count = 0
    for n in range(2, limit):
        d = 2
        while d * d <= n:
            if n % d == 0:
                break
            d += 1
        else:
            count += 1
    return count


def count_primes_parallel(limits, workers, mp_context=None):
    if not limits:
        return []
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=mp_context) as pool:
        return list(pool.map(count_primes, limits))
