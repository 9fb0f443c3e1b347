# rejects: test_different_keys_computed_at_the_same_time
"""One lock around everything: correct, but a slow key blocks every other key."""

import threading


def memoize(fn):
    lock = threading.Lock()
    cache = {}

    def cached(key):
        with lock:
            if key not in cache:
                cache[key] = fn(key)
            return cache[key]

    return cached
