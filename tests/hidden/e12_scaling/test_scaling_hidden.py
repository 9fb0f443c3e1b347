"""Hidden tests for e12_scaling: Amdahl's law, and parallel_map with sensible chunks.

parallel_map is observed through probes (grader/probes/scaling.py) that its worker
processes run: they record which process ran each item and, from the process's own
read() count, where each batch of items began. No timing is involved.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from pathlib import Path

import pytest

from grader.driver.verdicts import Inconclusive
from grader.proctree import TreeWatch

PROBES = "grader.probes.scaling"

SPEEDUPS = [  # (parallel fraction, workers, speedup)
    (0.0, 8, 1.0), (1.0, 4, 4.0), (0.5, 1, 1.0), (0.5, 2, 4 / 3), (0.9, 10, 1 / 0.19),
    (0.95, 8, 1 / 0.16875), (0.25, 3, 1 / (0.75 + 0.25 / 3)), (0.99, 1000, 1 / (0.01 + 0.00099)),
]

LIMITS = [(0.0, 1.0), (0.5, 2.0), (0.75, 4.0), (0.9, 10.0), (0.99, 100.0), (1.0, math.inf)]

#: No case sits exactly at the limit 1 / (1 - p): there the tolerance, not the law, decides.
NEEDED = [  # (parallel fraction, target, fewest workers or None)
    (0.9, 6.0, 14), (0.7, 2.0, 4), (0.9, 9.0, 81), (0.5, 1.9, 19), (1.0, 7.5, 8),
    (0.9, 5.0, 9), (0.95, 10.0, 19), (0.75, 3.0, 9), (0.5, 1.5, 3), (0.96, 5.0, 6),
    (1.0, 7.0, 7), (0.0, 1.0, 1), (0.5, 1.0, 1), (0.9, 10.5, None), (0.99, 150.0, None),
    (0.0, 1.5, None), (0.5, 2.5, None),
]


def own_pid(subject) -> int:
    """The subject's pid as its own processes see it (it may run in a PID namespace)."""
    return subject.module("os").getpid()


def test_amdahl_speedup(subject):
    sub = subject.module()
    for p, n, expected in SPEEDUPS:
        got = sub.amdahl_speedup(p, n)
        assert isinstance(got, float | int) and math.isclose(got, expected, rel_tol=1e-9), (
            f"amdahl_speedup({p}, {n}) returned {got!r}, expected {expected:.6g}: the serial part "
            f"(1 - {p}) takes as long as ever, the parallel part ({p}) is split over {n} workers, "
            "and the speedup is 1 / (serial + parallel / workers)")


def test_max_speedup(subject):
    sub = subject.module()
    for p, expected in LIMITS:
        got = sub.max_speedup(p)
        if math.isinf(expected):
            assert got == math.inf, (
                f"max_speedup({p}) returned {got!r}: with no serial part at all the speedup "
                "has no limit, so return math.inf")
        else:
            assert isinstance(got, float | int) and math.isclose(got, expected, rel_tol=1e-9), (
                f"max_speedup({p}) returned {got!r}, expected {expected:g}: with endless workers "
                f"only the serial part (1 - {p}) is left, so the limit is 1 / (1 - {p})")


def test_workers_needed(subject):
    sub = subject.module()
    for p, target, expected in NEEDED:
        got = sub.workers_needed(p, target)
        if expected is None:
            assert got is None, (
                f"workers_needed({p}, {target}) returned {got!r}, but no number of workers "
                f"reaches {target}x: the speedup never gets past 1 / (1 - {p}) = "
                f"{1 / (1 - p) if p < 1 else math.inf:g}, so return None")
            continue
        assert type(got) is int, f"workers_needed({p}, {target}) returned {got!r}, not an int"
        hint = ""
        if got == expected + 1:
            hint = (f" ({expected} workers give {1 / ((1 - p) + p / expected)!r}, which is "
                    f"{target} up to floating-point rounding: 'reaches' allows a relative "
                    "tolerance of 1e-9)")
        elif got < expected:
            hint = (f" ({got} workers give only {1 / ((1 - p) + p / got):.4f}x: round the "
                    "number of workers up, never down)")
        assert got == expected, (
            f"workers_needed({p}, {target}) returned {got}, expected {expected}, the fewest "
            f"workers whose speedup reaches {target}x{hint}")


@pytest.mark.parametrize(("call", "args"), [
    ("amdahl_speedup", (-0.1, 2)), ("amdahl_speedup", (1.1, 2)), ("amdahl_speedup", (0.5, 0)),
    ("max_speedup", (-0.01,)), ("max_speedup", (1.5,)),
    ("workers_needed", (1.2, 2.0)), ("workers_needed", (-0.5, 2.0)), ("workers_needed", (0.5, 0.9)),
])
def test_bad_arguments(subject, call, args):
    fn = getattr(subject.module(), call)
    with pytest.raises(ValueError):
        fn(*args)
        pytest.fail(f"{call}{args} must raise ValueError: a fraction lies in [0, 1], "
                    "there is at least one worker, and a target speedup is at least 1")


def test_parallel_map_bad_workers(subject):
    sub = subject.module()
    with pytest.raises(ValueError):
        sub.parallel_map(subject.probe(f"{PROBES}:cube"), [1, 2, 3], workers=0)
        pytest.fail("parallel_map(fn, items, workers=0) must raise ValueError")
    assert not subject.children(), "workers=0 must be rejected before any process starts"


def test_parallel_map_returns_results_in_order(subject):
    sub = subject.module()
    cube = subject.probe(f"{PROBES}:cube")
    assert sub.parallel_map(cube, [], workers=2) == [], "no items must give []"
    items = list(range(-300, 700))
    got = sub.parallel_map(cube, items, workers=2)
    assert got == [x ** 3 for x in items], (
        "parallel_map(fn, items) must return [fn(x) for x in items], in the order of items")
    token = uuid.uuid4().hex
    slow_first = [(token, i, 12) for i in range(12)]
    got = sub.parallel_map(subject.probe(f"{PROBES}:last_first"), slow_first, workers=2,
                           chunksize=1)
    assert got == [i * i for i in range(12)], (
        f"item 0 finished last (it waits for item 11), and parallel_map returned {got}: "
        "results must be in the order of the items, not in the order they finished")


def test_parallel_map_runs_in_worker_processes(subject):
    sub = subject.module()
    token = uuid.uuid4().hex
    with TreeWatch.processes_of(subject.process, announce=subject.probe_dir) as seen:
        got = sub.parallel_map(subject.probe(f"{PROBES}:meet"), [(token, i) for i in range(8)],
                               workers=2, chunksize=1)
    assert type(got) is list and all(type(r) is tuple and len(r) == 3 for r in got), (
        f"parallel_map must return [fn(x) for x in items]; it returned {got!r:.200}")
    pids = Counter(pid for _i, pid, _met in got)
    observed = observed_pids(seen)
    unseen = set(pids) - observed - {own_pid(subject)}
    if unseen:
        # Each worker waits to be seen (environment.WATCHING), up to 5 s. Never a pass on evidence
        # the grader did not see, never a failure for what it could not see: a regrade.
        raise Inconclusive(
            f"parallel_map returned results naming processes {sorted(unseen)} that the grader did "
            "not see run (machine busy?): regrade")
    assert own_pid(subject) not in pids, (
        "fn ran in the process that called parallel_map: threads share one interpreter and "
        "its GIL, so CPU-bound items would not run in parallel; use worker processes")
    assert len(pids) >= 2 and got[0][2], (
        f"with workers=2 and 8 items, every item ran in process {next(iter(pids))} and item 0 "
        "waited 5 s for a second worker that never came: use `workers` processes at once")
    assert seen.most_at_once <= 2, (
        f"with workers=2, {seen.most_at_once} worker processes were running at once: `workers` "
        "is how many processes parallel_map may use (pass it to the pool as max_workers)")


def _batches(logs: list[Path]) -> int:
    """Batches seen in the read() logs of count_reads: one plus each jump in reads."""
    total = 0
    for log in logs:
        rows = [line.split() for line in log.read_text().splitlines()]
        if any(row[0] == "None" for row in rows):
            raise Inconclusive("this machine does not show read() counts in /proc/self/io")
        before = [int(row[0]) for row in rows]
        after = [int(row[1]) for row in rows]
        own = Counter(b - a for a, b in zip(before, after, strict=True)).most_common(1)[0][0]
        total += 1 + sum(1 for i in range(len(rows) - 1) if before[i + 1] - after[i] > own)
    return total


def observed_pids(seen: TreeWatch) -> set[int]:
    """Pids (as the processes see themselves) of every process the call started."""
    return {seen.inner[pid] for pid in seen.workers() if pid in seen.inner}


def test_default_chunksize_batches_tiny_items(subject):
    n = 2000
    sub = subject.module()
    with TreeWatch.processes_of(subject.process, announce=subject.probe_dir) as seen:
        got = sub.parallel_map(subject.probe(f"{PROBES}:count_reads"), list(range(n)), workers=2)
    assert sorted(got) == [x * x for x in range(n)], "parallel_map lost or changed results"
    # The probe folder is writable: only logs of processes the grader saw run count.
    observed = observed_pids(seen) | {own_pid(subject)}
    logs = sorted(log for log in subject.probe_dir.glob("reads-*.log")
                  if log.stem.removeprefix("reads-").isdigit()
                  and int(log.stem.removeprefix("reads-")) in observed)
    assert logs, "fn never ran in a worker process"
    assert subject.probe_dir / f"reads-{own_pid(subject)}.log" not in logs, (
        "fn ran in the process that called parallel_map, not in worker processes")
    batches = _batches(logs)
    assert n / batches >= 8, (
        f"{n} tiny items reached the workers in {batches} separate batches "
        f"({n / batches:.1f} items per trip): each trip between processes costs far more than "
        "one tiny item, so when chunksize is None pick one that sends many items at once "
        "(e.g. len(items) / (4 * workers))")
