"""The subject's process tree, watched from the driver (out of the submission's reach).

Hidden tests ask two questions of it: which processes did the submission start
(:func:`workers` now, :class:`TreeWatch` over a call), and where did the CPU
time go (:class:`TreeWatch` with ``cpu=True``, read by :mod:`grader.speedup`).
multiprocessing's own helpers, the resource tracker and the forkserver, live
as long as the subject by design and never count as workers.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

_TRACKER = "multiprocessing.resource_tracker"
_FORKSERVER = "multiprocessing.forkserver"


def cmdline(proc: psutil.Process) -> str:
    """The command line of ``proc``, "" when it is gone or a zombie."""
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


def is_helper(command: str, parent: int | None, root: int) -> bool:
    """The resource tracker, or the forkserver itself (its children, the workers, share its command line)."""
    return _TRACKER in command or (_FORKSERVER in command and parent == root)


def workers(root: psutil.Process) -> list[psutil.Process]:
    """Descendants of ``root`` that the submission started (zombies included)."""
    try:
        procs = root.children(recursive=True)
    except psutil.Error:
        return []
    found = []
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            if not is_helper(cmdline(proc), proc.ppid(), root.pid):
                found.append(proc)
    return found


def describe(proc: psutil.Process) -> str:
    """``pid 123 (zombie: ...)`` or ``pid 123 (sleeping: python -c ...)``."""
    try:
        status = proc.status()
    except psutil.NoSuchProcess:
        return f"pid {proc.pid} (gone)"
    if status == psutil.STATUS_ZOMBIE:
        return f"pid {proc.pid} (zombie: it ended but nobody joined it)"
    return f"pid {proc.pid} ({status}: {cmdline(proc)[:90]})"


@dataclass
class TreeWatch:
    """Samples every descendant of ``process`` from a driver thread while a call runs.

    ``with TreeWatch(subject.process) as seen: sub.f(...)``, then
    ``seen.workers()`` (pid -> command line of each process the submission
    started).  Zombies count, so a process stays visible until it is joined;
    a worker lives at least one interpreter start-up, far longer than the
    interval.  The last non-empty command line is kept: a helper caught
    between fork and exec looks like its parent at first.  With ``cpu=True``
    each sample also records every descendant's CPU time, for
    :func:`grader.speedup.structure`.
    """

    process: psutil.Process
    interval: float = 0.02
    cpu: bool = True
    cmdlines: dict[int, list[str]] = field(default_factory=dict)
    parents: dict[int, int] = field(default_factory=dict)
    samples: list[tuple[float, dict[int, float]]] = field(default_factory=list)

    def __enter__(self) -> TreeWatch:
        self.before = self.after = self.process.cpu_times()
        self.known = {p.pid for p in self._descendants()}
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
            self.after = self.process.cpu_times()

    @classmethod
    def processes_of(cls, process: psutil.Process) -> TreeWatch:
        """A watch of which processes start (every 2 ms, no CPU readings)."""
        return cls(process, interval=0.002, cpu=False)

    def helper(self, pid: int) -> bool:
        return is_helper(" ".join(self.cmdlines.get(pid, [])), self.parents.get(pid), self.process.pid)

    def workers(self) -> dict[int, str]:
        """pid -> last command line of every process seen that the submission started."""
        return {pid: " ".join(line) for pid, line in self.cmdlines.items() if not self.helper(pid)}

    def used(self) -> dict[int, float]:
        """CPU seconds each descendant used during the watch (``cpu=True`` only)."""
        first: dict[int, float] = {}
        last: dict[int, float] = {}
        for _, cpu in self.samples:
            for p, s in cpu.items():
                first.setdefault(p, s if p in self.known else 0.0)
                last[p] = s
        return {p: last[p] - first[p] for p in last}

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
            if self.cpu:
                seconds = _cpu_seconds(proc)
                if seconds is None:
                    continue
                cpu[proc.pid] = seconds
            try:  # read again each time: between fork and exec it is the parent's
                line = proc.cmdline()
                self.parents.setdefault(proc.pid, proc.ppid())
            except psutil.Error:
                line = []
            if line or proc.pid not in self.cmdlines:  # a zombie's is empty: keep the last
                self.cmdlines[proc.pid] = line
        if self.cpu:
            self.samples.append((time.monotonic(), cpu))


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
