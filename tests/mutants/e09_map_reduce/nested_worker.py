# rejects: test_counts_words, test_at_most_workers_processes, test_large_results_do_not_deadlock, test_every_worker_gets_its_sentinel, test_uses_process_workers_not_a_pool, test_nothing_left_behind
"""The worker is a nested function: fine under fork, but spawn cannot pickle it."""

import multiprocessing
import re
from collections import Counter


def word_count(chunks, workers=2):
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if not chunks:
        return {}

    def worker(tasks, results):
        for chunk in iter(tasks.get, None):
            results.put(dict(Counter(re.findall(r"[a-z']+", chunk.lower()))))

    tasks, results = multiprocessing.Queue(), multiprocessing.Queue()
    procs = [multiprocessing.Process(target=worker, args=(tasks, results))
             for _ in range(min(workers, len(chunks)))]
    for proc in procs:
        proc.start()
    for chunk in chunks:
        tasks.put(chunk)
    for _ in procs:
        tasks.put(None)
    total = Counter()
    for _ in chunks:
        total.update(results.get())
    for proc in procs:
        proc.join()
    return dict(total)
