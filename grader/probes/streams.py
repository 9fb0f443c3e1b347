"""Subject-side iterables whose reads the driver can watch (for lazy-input checks).

A driver generator cannot cross into the subject, so hidden tests build one of
these there (``subject.module("grader.probes.streams").CallbackIterable(cb, n)``)
and pass the proxy back as the input: every item read is a callback the driver
counts and times.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


class CallbackIterable:
    """Yields ``callback(0) ... callback(n - 1)``, calling the driver once per item read.

    The call happens only when the consumer asks for the next item, so the
    driver's count is exactly how far the submission has read the input.
    """

    def __init__(self, callback: Callable[[int], Any], n: int):
        self._callback = callback
        self._n = n

    def __iter__(self) -> Iterator[Any]:
        for index in range(self._n):
            yield self._callback(index)
