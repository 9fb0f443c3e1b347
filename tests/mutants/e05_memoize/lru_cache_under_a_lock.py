# rejects: test_different_keys_computed_at_the_same_time
"""functools.lru_cache made thread-safe with one lock around every call: fn runs under it."""

import functools
import threading


def memoize(fn):
    cached = functools.lru_cache(maxsize=None)(fn)
    lock = threading.Lock()

    @functools.wraps(fn)
    def wrapper(key):
        with lock:
            return cached(key)

    return wrapper
