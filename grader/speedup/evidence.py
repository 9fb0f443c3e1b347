"""Structural evidence of parallelism: which processes did the work, and when.

Two sources, both out of the student's reach: task records written by the
trusted probes (:mod:`grader.probes.speedup`), and samples of the subject's
process tree taken by the driver (:class:`TreeWatch`).  Overlapping intervals
alone prove nothing (threads overlap too, taking turns on the GIL); what
separates a process pool from a thread pool is *where the CPU time went*.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from grader.speedup.cpus import gil_enabled

#: Processes multiprocessing starts for itself; they never count as workers.
HELPERS = ("resource_tracker", "forkserver import main")
#: Overlap from samples: windows of 1/WINDOWS of the workers' CPU time; a worker takes part
#: in a window when it did MIN_SHARE of the window's CPU time.
WINDOWS, MIN_SHARE = 25, 0.2


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
                 min_parallel: float = 0.5, what: str = "tasks") -> list[str]:
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


def _why_processes() -> str:
    if gil_enabled():
        return ("threads cannot run Python bytecode in parallel under the GIL; "
                "use a process pool")
    return ("this free-threaded Python could run threads in parallel, but the exercise asks for "
            "worker processes (the GIL is back on most installations); use a process pool")


@dataclass
class TreeWatch:
    """Samples the CPU time of a process and all its descendants while a call runs.

    ``with TreeWatch(subject.process) as seen: sub.f(...)`` then
    ``seen.structure()``; ``seen.cmdlines`` maps each descendant seen to its
    last command line seen.
    """

    process: psutil.Process
    interval: float = 0.02
    cmdlines: dict[int, list[str]] = field(default_factory=dict)
    samples: list[tuple[float, dict[int, float]]] = field(default_factory=list)

    def __enter__(self) -> TreeWatch:
        self._before = self._after = self.process.cpu_times()
        self._known = {p.pid for p in self._descendants()}
        self._stop = threading.Event()
        self._sample()
        self._thread = threading.Thread(target=self._run, name="tree-watch", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        with contextlib.suppress(psutil.Error):  # if it ended, the samples remain
            self._after = self.process.cpu_times()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _descendants(self) -> list[psutil.Process]:
        try:
            return self.process.children(recursive=True)
        except psutil.Error:
            return []

    def _sample(self) -> None:
        cpu: dict[int, float] = {}
        for proc in self._descendants():
            seconds = _cpu_seconds(proc)
            if seconds is None:
                continue
            cpu[proc.pid] = seconds
            try:  # read again each time: between fork and exec it is the parent's
                line = proc.cmdline()
            except psutil.Error:
                line = []
            if line or proc.pid not in self.cmdlines:  # a zombie's is empty: keep the last
                self.cmdlines[proc.pid] = line
        self.samples.append((time.monotonic(), cpu))

    def helper(self, pid: int) -> bool:
        return is_helper(self.cmdlines.get(pid, []))

    def structure(self, records: list[TaskRecord] | None = None,
                  min_worker_cpu: float = 0.05, tasks: int = 0) -> Structure:
        """The evidence; task records (if given) decide workers and overlap, the tree the CPU split.

        Without records, a worker is a descendant that used at least
        ``min_worker_cpu`` seconds (more than starting up costs) and overlap
        is judged from the samples: intervals in which two workers used CPU;
        ``tasks`` is then only the number quoted in messages.
        """
        parent_cpu = (self._after.user + self._after.system
                      - self._before.user - self._before.system)
        reaped = (self._after.children_user + self._after.children_system
                  - self._before.children_user - self._before.children_system)
        used = self._used()
        child_cpu = max(reaped, sum(used.values()))
        pid = self.process.pid
        if records is not None:
            worker_cpu: dict[int, float] = {}
            for r in records:
                if r.pid != pid:
                    worker_cpu[r.pid] = worker_cpu.get(r.pid, 0.0) + r.cpu
            busy, parallel = overlap_fraction((r.start, r.end) for r in records)
            threads = len({r.tid for r in records if r.pid == pid})
            return Structure(pid, worker_cpu, parent_cpu, child_cpu, busy, parallel,
                             len(records), threads)
        worker_cpu = {p: s for p, s in used.items() if s >= min_worker_cpu and not self.helper(p)}
        busy, parallel = self._sampled_overlap(set(worker_cpu))
        return Structure(pid, worker_cpu, parent_cpu, child_cpu, busy, parallel, tasks)

    def _used(self) -> dict[int, float]:
        """CPU seconds each descendant used during the watch."""
        first: dict[int, float] = {}
        last: dict[int, float] = {}
        for _, cpu in self.samples:
            for p, s in cpu.items():
                first.setdefault(p, s if p in self._known else 0.0)
                last[p] = s
        return {p: last[p] - first[p] for p in last}

    def _sampled_overlap(self, workers: set[int]) -> tuple[float, float]:
        """(wall seconds the workers computed, share of it in which two or more computed).

        Judged in windows of CPU time, not of wall time: consecutive samples
        are grouped until the workers used ``1/WINDOWS`` of their total CPU,
        and a window is parallel when two workers each did ``MIN_SHARE`` of
        it.  A loaded machine stretches the windows, but workers that take
        turns (one task at a time) still show one worker per window.
        """
        steps = []
        for (t0, before), (t1, after) in zip(self.samples, self.samples[1:], strict=False):
            used = {p: after[p] - before.get(p, 0.0 if p not in self._known else after[p])
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


def is_helper(cmdline: list[str]) -> bool:
    """A process multiprocessing starts for itself (resource tracker, fork server)."""
    line = " ".join(cmdline)
    return any(h in line for h in HELPERS)


def _cpu_seconds(proc: psutil.Process) -> float | None:
    """CPU time of a process: its threads' schedstat (nanoseconds) where Linux offers it.

    ``/proc/<pid>/stat`` counts in 10 ms ticks, too coarse for 20 ms samples;
    it still counts threads that already ended, hence the max of both.
    """
    try:
        times = proc.cpu_times()
    except psutil.Error:
        return None
    ticks = times.user + times.system
    try:
        nanos = 0
        for task in Path(f"/proc/{proc.pid}/task").iterdir():
            nanos += int((task / "schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return ticks
    return max(ticks, nanos / 1e9)
