# rejects: test_benchmark_records_each_run, test_one_call_between_clock_reads, test_warmup_not_recorded, test_compare_interleaves_rounds
"""Times all repeats in one stretch and gives every run the average: the spread is always 0."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    """Seconds per run, in the order measured."""

    runs: tuple[float, ...]

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def spread(self) -> float:
        return max(self.runs) - min(self.runs)


def benchmark(
    fn: Callable[[], object],
    repeats: int = 5,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> Timing:
    """Call ``fn`` ``warmup`` times untimed, then time ``repeats`` single calls."""
    return compare({"fn": fn}, repeats=repeats, warmup=warmup, clock=clock)["fn"]


def compare(
    candidates: Mapping[str, Callable[[], object]],
    repeats: int = 5,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, Timing]:
    """Time every candidate round by round (A, B, C, A, B, C, ...), so drifting load hits all alike."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    if warmup < 0:
        raise ValueError(f"warmup must be 0 or more, got {warmup}")
    for fn in candidates.values():
        for _ in range(warmup):  # caches, lazy imports, branch predictors: not what we measure
            fn()
    runs: dict[str, list[float]] = {name: [] for name in candidates}
    for name, fn in candidates.items():
        start = clock()
        for _ in range(repeats):
            fn()
        runs[name] = [(clock() - start) / repeats] * repeats
    return {name: Timing(tuple(seconds)) for name, seconds in runs.items()}
