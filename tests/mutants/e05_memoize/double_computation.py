# rejects: test_each_key_computed_once
"""Check the cache, compute, store: two threads both miss and both compute."""


def memoize(fn):
    cache = {}

    def cached(key):
        if key in cache:
            return cache[key]
        value = fn(key)
        cache[key] = value
        return value

    return cached
