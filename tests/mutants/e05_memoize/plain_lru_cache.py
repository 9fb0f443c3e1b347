# rejects: test_each_key_computed_once
"""functools.lru_cache alone: thread-safe for its own dict, but not single flight."""

import functools


def memoize(fn):
    return functools.lru_cache(maxsize=None)(fn)
