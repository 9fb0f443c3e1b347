"""Structural evidence of parallelism: which processes did the work, and when.

Two sources, both out of the student's reach: task records written by the
trusted probes (:mod:`grader.probes.speedup`), and samples of the subject's
process tree taken by the driver (:class:`grader.proctree.TreeWatch`).
Overlapping intervals alone prove nothing (threads overlap too, taking turns
on the GIL); what separates a process pool from a thread pool is *where the CPU time went*.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from grader.driver.verdicts import Inconclusive
from grader.proctree import TreeWatch
from grader.speedup.cpus import gil_enabled

#: Overlap from samples: windows of 1/WINDOWS of the workers' CPU time; a worker takes part
#: in a window when it did MIN_SHARE of the window's CPU time.
WINDOWS, MIN_SHARE = 25, 0.2
#: Share of the busy time in which two or more workers must have computed at once.
MIN_PARALLEL = 0.5


@dataclass(frozen=True)
class TaskRecord:
    """One probe call: where it ran, and when on the system-wide monotonic clock."""

    pid: int
    tid: int
    start: float
    end: float
    cpu: float
    label: str = ""


def read_records(probe_dir: Path) -> list[TaskRecord]:
    """Every task record in ``probe_dir`` (a torn last line is ignored), by start time."""
    records = []
    for path in sorted(Path(probe_dir).glob("tasks-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(TaskRecord(**json.loads(line)))
            except (ValueError, TypeError):
                continue
    return sorted(records, key=lambda r: r.start)


def clear_records(probe_dir: Path) -> None:
    """Forget earlier task records (between two measured calls)."""
    for path in Path(probe_dir).glob("tasks-*.jsonl"):
        path.unlink(missing_ok=True)


def overlap_fraction(intervals: Iterable[tuple[float, float]]) -> tuple[float, float]:
    """(seconds with >= 1 interval open, share of those with >= 2 open)."""
    events = sorted([(s, 1) for s, e in intervals] + [(e, -1) for s, e in intervals],
                    key=lambda ev: (ev[0], ev[1]))
    busy = parallel = 0.0
    open_now, last = 0, 0.0
    for t, step in events:
        if open_now >= 1:
            busy += t - last
        if open_now >= 2:
            parallel += t - last
        open_now, last = open_now + step, t
    return busy, (parallel / busy if busy > 0 else 0.0)


@dataclass(frozen=True)
class Structure:
    """Where the work of one measured call ran."""

    parent_pid: int
    worker_cpu: dict[int, float]  # worker pid -> CPU seconds it spent on the work
    parent_cpu: float  # CPU seconds of the calling process (the subject) itself
    child_cpu: float  # CPU seconds of all its child processes
    busy_seconds: float  # wall time with at least one task (or busy worker) in flight
    parallel_fraction: float  # share of busy_seconds with at least two in flight
    tasks: int = 0  # task records (0 when judged from the process tree alone)
    parent_threads: int = 0  # threads of the calling process that ran tasks

    @property
    def child_share(self) -> float:
        total = self.parent_cpu + self.child_cpu
        return self.child_cpu / total if total > 0 else 0.0

    def problems(self, min_workers: int, *, min_child_share: float = 0.8,
                 min_parallel: float = MIN_PARALLEL, what: str = "tasks") -> list[str]:
        """What a process pool of ``min_workers`` would have shown and this call did not."""
        n = f"{self.tasks} {what}" if self.tasks else f"the {what}"
        workers = sorted(self.worker_cpu)
        if not workers:
            threads = f" (in {self.parent_threads} threads)" if self.parent_threads > 1 else ""
            return [f"all {n} ran in one process (pid {self.parent_pid}){threads}: {_why_processes()}"]
        found: list[str] = []
        if len(workers) < min_workers:
            found.append(
                f"only {len(workers)} worker process (pid {workers[0]}) did the work, but "
                f"{min_workers} were asked for: give the pool several tasks at once so every "
                "worker gets some")
        if self.child_share < min_child_share:
            found.append(
                f"only {self.child_share:.0%} of the CPU time was spent in worker processes "
                f"({self.child_cpu:.2f} s of {self.child_cpu + self.parent_cpu:.2f} s): the heavy "
                "work must run in the workers, not in the calling process")
        if len(workers) >= 2 and self.parallel_fraction < min_parallel:
            never = ("never overlapped" if self.parallel_fraction < 0.02
                     else f"overlapped only {self.parallel_fraction:.0%} of the time")
            found.append(
                f"{len(workers)} workers, but their {what} {never}: the workers took turns "
                "(is each result awaited before the next task is sent?)")
        return found


def judge_structure(student: Callable[[], Structure], reference: Callable[[], Structure], *,
                    min_workers: int, what: str = "tasks", attempts: int = 2) -> Structure:
    """The structural gate: return the student's structure, fail, or raise Inconclusive.

    Which processes did the work, and where the CPU time went, do not depend
    on the machine's load; whether two workers computed *at the same moment*
    does: with one core free, every pool takes turns.  So a call whose only
    problem is overlap is measured again, in turn with the reference
    (``student`` and ``reference`` each run one watched call), and fails only
    when the reference's workers did overlap in the same attempt.
    """
    found = student()
    problems = found.problems(min_workers, what=what)
    if problems and found.problems(min_workers, what=what, min_parallel=0.0):
        raise AssertionError("; ".join(problems))
    ref: Structure | None = None
    for _ in range(attempts if problems else 0):
        ref = reference()
        found = student()
        problems = found.problems(min_workers, what=what)
        if not problems:
            break
        if ref.parallel_fraction >= MIN_PARALLEL:
            raise AssertionError(
                "; ".join(problems) + f" (the reference's workers, timed in turn with yours, "
                f"overlapped {ref.parallel_fraction:.0%} of the time)")
    if problems:
        assert ref is not None
        raise Inconclusive(
            f"overlap not measured: the reference's workers too overlapped only "
            f"{ref.parallel_fraction:.0%} of the time, so the machine was too busy to show two "
            "workers computing at once; the rest of the structure passed and this will be "
            "regraded")
    return found


def _why_processes() -> str:
    if gil_enabled():
        return ("threads cannot run Python bytecode in parallel under the GIL; "
                "use a process pool")
    return ("this free-threaded Python could run threads in parallel, but the exercise asks for "
            "worker processes (the GIL is back on most installations); use a process pool")


def structure(watch: TreeWatch, records: list[TaskRecord] | None = None,
              min_worker_cpu: float = 0.05, tasks: int = 0) -> Structure:
    """Where a watched call's work ran.

    Task records (if given) decide the workers and the overlap; the process
    tree always decides the CPU split.

    Records live in a folder the submission can write, so they are used only
    when the driver's own observation backs them (:func:`observed_records`);
    otherwise the call is judged from the process tree alone.

    Without records, a worker is a descendant that used at least
    ``min_worker_cpu`` seconds (more than starting up costs) and overlap
    is judged from the samples: intervals in which two workers used CPU;
    ``tasks`` is then only the number quoted in messages.
    """
    parent_cpu = (watch.after.user + watch.after.system
                  - watch.before.user - watch.before.system)
    reaped = (watch.after.children_user + watch.after.children_system
              - watch.before.children_user - watch.before.children_system)
    used = watch.used()
    child_cpu = max(reaped, sum(used.values()))
    pid = watch.process.pid
    if records is not None:
        records = observed_records(watch, records)
    if records is not None:
        worker_cpu: dict[int, float] = {}
        for r in records:
            if r.pid != pid:
                worker_cpu[r.pid] = worker_cpu.get(r.pid, 0.0) + r.cpu
        busy, parallel = overlap_fraction((r.start, r.end) for r in records)
        threads = len({r.tid for r in records if r.pid == pid})
        return Structure(pid, worker_cpu, parent_cpu, child_cpu, busy, parallel,
                         len(records), threads)
    worker_cpu = {p: s for p, s in used.items() if s >= min_worker_cpu and not watch.helper(p)}
    busy, parallel = _sampled_overlap(watch, set(worker_cpu))
    return Structure(pid, worker_cpu, parent_cpu, child_cpu, busy, parallel, tasks)


#: CPU a record may claim beyond what the driver saw its process use (sampling granularity).
CPU_SLACK_SECONDS, CPU_SLACK_SHARE = 0.1, 0.25


def observed_records(watch: TreeWatch, records: list[TaskRecord]) -> list[TaskRecord] | None:
    """The records with the driver's pids, if the process tree backs them; else None.

    Each record must name a process the watch saw (the subject or a descendant,
    by the pid it sees for itself) and lie within the watch; the records of the
    subject, and those of its descendants together, may not claim more CPU than
    the driver saw them use (a forged record would claim work nobody did).
    """
    outer = {inner: pid for pid, inner in watch.inner.items()}
    root = watch.process.pid
    start, end = (watch.samples[0][0], watch.samples[-1][0]) if watch.samples else (None, None)
    claimed = {"parent": 0.0, "workers": 0.0}
    mapped = []
    for r in records:
        pid = outer.get(r.pid)
        if pid is None or (start is not None and not start - 1.0 <= r.start <= r.end <= end + 1.0):
            return None
        claimed["parent" if pid == root else "workers"] += max(r.cpu, 0.0)
        mapped.append(TaskRecord(pid, r.tid, r.start, r.end, r.cpu, r.label))
    if watch.cpu:
        parent_cpu = watch.after.user + watch.after.system - watch.before.user - watch.before.system
        reaped = (watch.after.children_user + watch.after.children_system
                  - watch.before.children_user - watch.before.children_system)
        seen = {"parent": parent_cpu, "workers": max(reaped, sum(watch.used().values()))}
        if any(claimed[k] > seen[k] * (1 + CPU_SLACK_SHARE) + CPU_SLACK_SECONDS for k in claimed):
            return None
    return mapped


def _sampled_overlap(watch: TreeWatch, workers: set[int]) -> tuple[float, float]:
    """(wall seconds the workers computed, share of it in which two or more computed).

    Judged in windows of CPU time, not of wall time: consecutive samples
    are grouped until the workers used ``1/WINDOWS`` of their total CPU,
    and a window is parallel when two workers each did ``MIN_SHARE`` of
    it.  A loaded machine stretches the windows, but workers that take
    turns (one task at a time) still show one worker per window.
    """
    steps = []
    for (t0, before), (t1, after) in zip(watch.samples, watch.samples[1:], strict=False):
        used = {p: after[p] - before.get(p, 0.0 if p not in watch.known else after[p])
                for p in workers if p in after}
        steps.append((t1 - t0, {p: u for p, u in used.items() if u > 0}))
    total = sum(sum(u.values()) for _, u in steps)
    busy = parallel = 0.0
    span, window = 0.0, {}
    for seconds, used in steps:
        if not used and not window:
            continue
        span += seconds
        for p, u in used.items():
            window[p] = window.get(p, 0.0) + u
        cpu = sum(window.values())
        if cpu >= total / WINDOWS:
            busy += span
            if sum(1 for u in window.values() if u >= MIN_SHARE * cpu) >= 2:
                parallel += span
            span, window = 0.0, {}
    return busy, (parallel / busy if busy > 0 else 0.0)
