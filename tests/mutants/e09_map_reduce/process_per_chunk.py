# rejects: test_at_most_workers_processes
"""One process per chunk, whatever `workers` says."""

import multiprocessing
import re
from collections import Counter


def _worker(chunk, results):
    results.put(dict(Counter(re.findall(r"[a-z']+", chunk.lower()))))


def word_count(chunks, workers=2):
    if workers < 1:
        raise ValueError("workers must be at least 1")
    results = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_worker, args=(chunk, results)) for chunk in chunks]
    for proc in procs:
        proc.start()
    total = Counter()
    for _ in chunks:
        total.update(results.get())
    for proc in procs:
        proc.join()
    return dict(total)
