# rejects: test_work_runs_in_worker_processes, test_works_under_spawn, test_uses_the_given_mp_context, test_no_child_left
"""Hand-made processes whose target is a nested function: fine under fork, unpicklable under spawn."""

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


def count_primes_parallel(limits, workers, mp_context=None):
    if workers < 1:
        raise ValueError("workers must be at least 1")
    ctx = mp_context or multiprocessing.get_context()
    results = ctx.Queue()

    def work(indices):
        for i in indices:
            results.put((i, count_primes(limits[i])))

    procs = [ctx.Process(target=work, args=(range(w, len(limits), workers),))
             for w in range(workers)]
    for p in procs:
        p.start()
    out = [0] * len(limits)
    for _ in limits:
        i, value = results.get()
        out[i] = value
    for p in procs:
        p.join()
    return out
