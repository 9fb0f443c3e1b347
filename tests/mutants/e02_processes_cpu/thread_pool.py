# rejects: test_work_runs_in_worker_processes, test_uses_the_given_mp_context, test_faster_than_serial
"""A thread pool: correct results, but the GIL lets one thread compute at a time."""

from concurrent.futures import ThreadPoolExecutor


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
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(count_primes, limits))
