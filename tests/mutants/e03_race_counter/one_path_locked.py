# rejects: test_increments_and_decrements_are_never_lost
"""Locks increment but forgets decrement: a decrement can still split an increment in two."""

import threading


class Counter:
    def __init__(self, start=0):
        self._lock = threading.Lock()
        self._value = start

    def increment(self, by=1):
        with self._lock:
            self._value += by

    def decrement(self, by=1):
        self._value -= by

    @property
    def value(self):
        return self._value
