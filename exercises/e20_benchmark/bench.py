"""e20 - Performance: measure before you choose.

A benchmark is an experiment: warm up first, repeat, time one call at a time,
interleave the candidates so that a change in the machine's load hits them all
alike, and report the median and the spread, not one lucky number.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Seconds per run, in the order measured."""

    runs: tuple[float, ...]

    @property
    def best(self) -> float:
        """The fastest run."""
        # TODO
        raise NotImplementedError("Timing.best is not written yet: see README.md")

    @property
    def median(self) -> float:
        """The middle run once sorted (the mean of the two middle ones for an even count)."""
        # TODO
        raise NotImplementedError("Timing.median is not written yet: see README.md")

    @property
    def spread(self) -> float:
        """The slowest run minus the fastest."""
        # TODO
        raise NotImplementedError("Timing.spread is not written yet: see README.md")


def benchmark(
    fn: Callable[[], object],
    repeats: int = 5,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> Timing:
    """Call ``fn`` ``warmup`` times untimed, then time ``repeats`` calls, one at a time.

    Each run reads ``clock()`` just before and just after one call of ``fn``.
    ``repeats < 1`` or ``warmup < 0`` raises ``ValueError`` before ``fn`` is
    called; an exception in ``fn`` propagates.
    """
    # TODO
    raise NotImplementedError("benchmark is not written yet: see README.md")


def compare(
    candidates: Mapping[str, Callable[[], object]],
    repeats: int = 5,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, Timing]:
    """Time every candidate like ``benchmark``, round by round: A, B, C, A, B, C, ...

    Each candidate is warmed up first; the result keeps the mapping's order.
    """
    # TODO
    raise NotImplementedError("compare is not written yet: see README.md")
