# rejects: test_results_in_input_order
"""Collects results with as_completed: in the order the workers finish, not the input order."""

from concurrent.futures import ProcessPoolExecutor, as_completed


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
        futures = [pool.submit(count_primes, n) for n in limits]
        return [f.result() for f in as_completed(futures)]
