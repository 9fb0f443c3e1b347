"""Count words with worker processes fed by queues (reference solution)."""

from __future__ import annotations

import multiprocessing
import re
from collections import Counter

_WORD = re.compile(r"[a-z']+")


def count_chunk(chunk: str) -> dict[str, int]:
    """The map step: the words of one chunk and how often each occurs."""
    return dict(Counter(_WORD.findall(chunk.lower())))


def _worker(tasks: multiprocessing.Queue, results: multiprocessing.Queue) -> None:
    """Count chunks until the sentinel ``None`` arrives (module level: picklable under spawn)."""
    for chunk in iter(tasks.get, None):
        results.put(count_chunk(chunk))


def word_count(chunks: list[str], workers: int = 2) -> dict[str, int]:
    """Total word counts of ``chunks``, counted by at most ``workers`` processes."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if not chunks:
        return {}
    tasks: multiprocessing.Queue = multiprocessing.Queue()
    results: multiprocessing.Queue = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=_worker, args=(tasks, results))
             for _ in range(min(workers, len(chunks)))]
    for proc in procs:
        proc.start()
    for chunk in chunks:
        tasks.put(chunk)
    for _ in procs:
        tasks.put(None)  # one sentinel per worker: each stops after taking one
    total: Counter[str] = Counter()
    for _ in chunks:  # drain first: a worker cannot exit while its result sits in the pipe
        total.update(results.get())
    for proc in procs:
        proc.join()
    return dict(total)
