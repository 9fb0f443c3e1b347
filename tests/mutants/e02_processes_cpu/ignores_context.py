# rejects: test_uses_the_given_mp_context
"""A process pool that never passes mp_context on: always the platform's default start method."""

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
    if workers < 1:
        raise ValueError("workers must be at least 1")
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(count_primes, limits))
