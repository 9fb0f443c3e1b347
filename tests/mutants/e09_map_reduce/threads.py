# rejects: test_uses_process_workers_not_a_pool
"""Threads instead of processes: right counts, but the GIL lets one count at a time."""

import queue
import re
import threading
from collections import Counter


def _worker(tasks, results):
    for chunk in iter(tasks.get, None):
        results.put(Counter(re.findall(r"[a-z']+", chunk.lower())))


def word_count(chunks, workers=2):
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if not chunks:
        return {}
    tasks, results = queue.Queue(), queue.Queue()
    threads = [threading.Thread(target=_worker, args=(tasks, results))
               for _ in range(min(workers, len(chunks)))]
    for thread in threads:
        thread.start()
    for chunk in chunks:
        tasks.put(chunk)
    for _ in threads:
        tasks.put(None)
    total = Counter()
    for _ in chunks:
        total.update(results.get())
    for thread in threads:
        thread.join()
    return dict(total)
