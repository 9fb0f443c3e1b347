# rejects: test_large_results_do_not_deadlock
"""Joins the workers, then reads the results: a worker whose result fills the pipe never exits."""

import multiprocessing
import re
from collections import Counter


def _worker(tasks, results):
    for chunk in iter(tasks.get, None):
        results.put(dict(Counter(re.findall(r"[a-z']+", chunk.lower()))))


def word_count(chunks, workers=2):
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if not chunks:
        return {}
    tasks, results = multiprocessing.Queue(), multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_worker, args=(tasks, results))
             for _ in range(min(workers, len(chunks)))]
    for proc in procs:
        proc.start()
    for chunk in chunks:
        tasks.put(chunk)
    for _ in procs:
        tasks.put(None)
    for proc in procs:
        proc.join()
    total = Counter()
    for _ in chunks:
        total.update(results.get())
    return dict(total)
