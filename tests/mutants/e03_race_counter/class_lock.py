# rejects: test_two_counters_do_not_block_each_other
"""One lock shared by every Counter: correct counts, but unrelated counters wait for each other."""

import threading


class Counter:
    _lock = threading.Lock()

    def __init__(self, start=0):
        self._value = start

    def increment(self, by=1):
        with self._lock:
            self._value += by

    def decrement(self, by=1):
        with self._lock:
            self._value -= by

    @property
    def value(self):
        with self._lock:
            return self._value
