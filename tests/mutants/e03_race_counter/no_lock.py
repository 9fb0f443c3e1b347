# rejects: test_concurrent_increments_are_never_lost, test_increments_and_decrements_are_never_lost
"""Trusts `+=` to be atomic: it is a read, an add and a write, and a thread switch fits between."""


class Counter:
    def __init__(self, start=0):
        self._value = start

    def increment(self, by=1):
        self._value += by

    def decrement(self, by=1):
        self._value -= by

    @property
    def value(self):
        return self._value
