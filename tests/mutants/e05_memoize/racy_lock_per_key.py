# rejects: test_each_key_computed_once
"""A lock per key, created on first sight with check-then-set: two threads can create two locks."""

import threading


def memoize(fn):
    cache = {}
    locks = {}

    def wrapper(key):
        if key not in locks:
            locks[key] = threading.Lock()
        with locks[key]:
            if key in cache:
                return cache[key]
            value = fn(key)
            cache[key] = value
            return value

    return wrapper
