"""Runs in the subject: which pool implementations have been loaded (e09 forbids pools).

A pool cannot be made without its module: ``multiprocessing.Pool`` and
``ThreadPool`` load ``multiprocessing.pool``, the executors load
``concurrent.futures.process`` / ``.thread``.  So however the submission names
it (``getattr(mp, "Po" + "ol")``), using one leaves this evidence; the grader's
own code in the subject loads none of them.
"""

from __future__ import annotations

import sys

POOL_MODULES = ("multiprocessing.pool", "concurrent.futures.process", "concurrent.futures.thread")


def pools_loaded() -> list[str]:
    """The pool modules present in the subject (its workers import what their parent sends)."""
    return [name for name in POOL_MODULES if name in sys.modules]
