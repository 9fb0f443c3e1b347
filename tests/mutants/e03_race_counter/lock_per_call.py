# rejects: test_concurrent_increments_are_never_lost, test_increments_and_decrements_are_never_lost
"""Takes a brand-new lock on every call: nobody else ever waits for it, so it protects nothing."""

import threading


class Counter:
    def __init__(self, start=0):
        self._value = start

    def increment(self, by=1):
        with threading.Lock():
            self._value += by

    def decrement(self, by=1):
        with threading.Lock():
            self._value -= by

    @property
    def value(self):
        return self._value
