"""Probes for e13_shared_data: build large test data inside the subject, and flush its leaks.

The subject's codec carries only plain types, and a list of 10 million floats is slow to
send; so the driver asks the subject to build the ``array('d')`` itself and passes the
resulting proxy back as the argument.
"""

from __future__ import annotations

from array import array
from multiprocessing import resource_tracker

#: The data repeats a block of this many values.
BLOCK = 1000


def _block(seed: int) -> list[float]:
    # multiples of 1/64 below 16: squares and their sums stay exact in a float (< 2**53 / 4096),
    # so every order of summation gives exactly the same total.
    return [((k * 7919 + seed * 104729) % BLOCK) / 64.0 for k in range(BLOCK)]


def make_data(n: int, seed: int = 0) -> array:
    """``n`` floats as an ``array('d')`` (80 MB for 10 million), built in milliseconds."""
    block = array("d", _block(seed))
    whole, rest = divmod(n, BLOCK)
    return block * whole + block[:rest]


def expected_sum_squares(n: int, seed: int = 0) -> float:
    """The exact sum of squares of ``make_data(n, seed)``."""
    block = _block(seed)
    whole, rest = divmod(n, BLOCK)
    return whole * sum(x * x for x in block) + sum(x * x for x in block[:rest])


def stop_resource_tracker() -> None:
    """Stop this process's multiprocessing resource tracker now.

    On its way out the tracker warns about every shared-memory segment that was created
    but never unlinked ("leaked shared_memory objects"), into the subject's output.
    """
    resource_tracker._resource_tracker._stop()
