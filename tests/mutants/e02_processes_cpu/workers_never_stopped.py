# rejects: test_no_child_left
"""Hand-made worker processes serve a task queue forever: nobody sends them a sentinel."""

import multiprocessing


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


def _serve(tasks, results):
    while True:
        i, limit = tasks.get()
        results.put((i, count_primes(limit)))


def count_primes_parallel(limits, workers, mp_context=None):
    if workers < 1:
        raise ValueError("workers must be at least 1")
    ctx = mp_context or multiprocessing.get_context()
    tasks, results = ctx.Queue(), ctx.Queue()
    for _ in range(workers):
        ctx.Process(target=_serve, args=(tasks, results), daemon=True).start()
    for item in enumerate(limits):
        tasks.put(item)
    out = [0] * len(limits)
    for _ in limits:
        i, value = results.get()
        out[i] = value
    return out
