# rejects: test_work_runs_in_worker_processes, test_faster_than_serial
"""Waits for each result before submitting the next task: a pool of workers taking turns."""

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
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp_context) as pool:
        return [pool.submit(count_primes, n).result() for n in limits]
