# rejects: test_uses_process_workers_not_a_pool
"""Correct counts, but a Pool does the work the exercise asks to build by hand."""

import re
from collections import Counter
from multiprocessing import Pool


def _count(chunk):
    return Counter(re.findall(r"[a-z']+", chunk.lower()))


def word_count(chunks, workers=2):
    if workers < 1:
        raise ValueError("workers must be at least 1")
    if not chunks:
        return {}
    total = Counter()
    with Pool(min(workers, len(chunks))) as pool:
        for part in pool.imap_unordered(_count, chunks):
            total.update(part)
    return dict(total)
