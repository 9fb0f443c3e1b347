"""Trusted helper for e10, run inside the subject (next to histogram.py).

The contended list is built here: sent from the driver, a million values take
seconds to encode and decode, time that says nothing about the submission.
Every call gets a fresh plain list.
"""

from __future__ import annotations

import histogram


def ones(n: int, bins: int, workers: int) -> list:
    """``parallel_histogram([1] * n, bins, workers=workers)``."""
    return histogram.parallel_histogram([1] * n, bins, workers=workers)
