"""e09 - Map/reduce with processes: count words in parallel.

Worker processes take chunks from a task queue, count the words of each
(map) and send partial counts back on a result queue; the parent adds them
up (reduce). A sentinel per worker tells it there is no more work.
"""

from __future__ import annotations

import re


def count_chunk(chunk: str) -> dict[str, int]:
    """The map step (given): how often each word occurs in one chunk."""
    counts: dict[str, int] = {}
    for word in re.findall(r"[a-z']+", chunk.lower()):
        counts[word] = counts.get(word, 0) + 1
    return counts


def word_count(chunks: list[str], workers: int = 2) -> dict[str, int]:
    """Total word counts of ``chunks``, counted in ``multiprocessing.Process`` workers.

    - Workers take chunks from a task queue and put partial counts on a result
      queue; each worker stops when it takes its sentinel (one per worker).
    - At most ``workers`` processes, fewer when there are fewer chunks; no
      ``Pool``, no ``concurrent.futures``.
    - Drain the results before joining the workers: a worker cannot exit while
      its (large) result still sits in the pipe.
    - ``workers < 1`` raises ``ValueError``; no process is left when it returns.
    - Must work under the ``spawn`` start method: the worker function must be
      defined at module level.
    """
    # TODO: validate workers, start the processes, feed the tasks and sentinels,
    # TODO: drain one result per chunk, then join every worker.
    raise NotImplementedError("word_count is not written yet: see README.md")
