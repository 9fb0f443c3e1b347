# rejects: test_work_runs_in_worker_processes, test_uses_the_given_mp_context, test_faster_than_serial
"""One limit after another in the calling process: right answers, no parallelism."""


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
    return [count_primes(n) for n in limits]
