# rejects: test_every_worker_gets_its_sentinel, test_nothing_left_behind
"""Reads every result but never joins the workers: each one stays behind as a zombie."""

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
    total = Counter()
    for _ in chunks:
        total.update(results.get())
    return dict(total)
