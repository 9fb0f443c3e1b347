"""e12 - Amdahl's law and task granularity.

Part 1 is arithmetic: how much faster can more workers make a job whose
serial part cannot be split? Part 2 puts it to work: a parallel map that
does not drown tiny items in the cost of sending them to another process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def amdahl_speedup(parallel_fraction: float, workers: int) -> float:
    """The speedup on ``workers`` workers when ``parallel_fraction`` of the work can be split.

    ``parallel_fraction`` outside [0, 1] or ``workers < 1`` raises ``ValueError``.
    """
    # TODO: the serial part (1 - p) takes as long as ever; the parallel part shrinks.
    raise NotImplementedError("amdahl_speedup is not written yet: see README.md")


def max_speedup(parallel_fraction: float) -> float:
    """The speedup with endlessly many workers (``math.inf`` when everything is parallel).

    ``parallel_fraction`` outside [0, 1] raises ``ValueError``.
    """
    # TODO
    raise NotImplementedError("max_speedup is not written yet: see README.md")


def workers_needed(parallel_fraction: float, target: float) -> int | None:
    """The fewest workers whose speedup reaches ``target``; ``None`` when no number can.

    "Reaches" forgives a relative rounding error of 1e-9. ``parallel_fraction``
    outside [0, 1] or ``target < 1`` raises ``ValueError``.
    """
    # TODO
    raise NotImplementedError("workers_needed is not written yet: see README.md")


def parallel_map(fn: Callable[[Any], Any], items: Sequence, workers: int = 2,
                 chunksize: int | None = None) -> list:
    """``[fn(x) for x in items]``, computed in ``workers`` worker processes, in input order.

    ``fn`` is picklable (a module-level function). When ``chunksize`` is None, pick one
    that sends many tiny items per trip to a worker. ``workers < 1`` raises ``ValueError``.
    """
    # TODO: a process pool, results in the order of items, a sensible default chunksize.
    raise NotImplementedError("parallel_map is not written yet: see README.md")
