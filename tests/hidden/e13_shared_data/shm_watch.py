"""Evidence for e13 taken from outside: what the subject's processes map and hold privately.

A :class:`Watch` samples ``/proc/<pid>/smaps`` of the subject and its workers every few
milliseconds while a call runs: which ``/dev/shm`` segments each maps, and its unique
memory (private pages: what the process would free by exiting; pages it shares with the
subject, shared memory or fork's copy-on-write pages, do not count).
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from grader.proctree import workers as started_by


@dataclass
class Seen:
    """What one process looked like over the samples."""

    samples: int = 0
    #: samples in which it mapped a segment (a fork child maps its parent's until it execs)
    mapped_samples: int = 0
    peak_private: int = 0
    segments: set[str] = field(default_factory=set)


def smaps(pid: int) -> tuple[int, set[str]] | None:
    """(private bytes, names of mapped /dev/shm segments), or None if the process is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps").read_text()
    except OSError:
        return None
    private = 0
    segments: set[str] = set()
    for line in text.splitlines():
        if line.startswith(("Private_Clean:", "Private_Dirty:")):
            private += int(line.split()[1]) * 1024
        elif " /dev/shm/" in line:
            name = line.split(" /dev/shm/", 1)[1].removesuffix(" (deleted)").strip()
            if not name.startswith("sem."):  # multiprocessing's locks, not data
                segments.add(name)
    return private, segments


def workers(subject) -> list[psutil.Process]:
    """The subject's live descendants, multiprocessing's own helpers (known by their exact
    command line, grader.proctree) left out."""
    found = []
    for proc in started_by(subject.process):
        with contextlib.suppress(psutil.Error):
            if proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
    return found


class Watch:
    """``with Watch(subject) as w: <call>``; then ``w.workers``, ``w.segments``."""

    def __init__(self, subject, interval: float = 0.02):
        self.subject = subject
        self.parent_pid = subject.pid
        self.interval = interval
        self.seen: dict[int, Seen] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        pids = [self.parent_pid] + [p.pid for p in workers(self.subject)]
        for pid in pids:
            snap = smaps(pid)
            if snap is not None:
                seen = self.seen.setdefault(pid, Seen())
                seen.samples += 1
                seen.peak_private = max(seen.peak_private, snap[0])
                seen.segments |= snap[1]
                seen.mapped_samples += bool(snap[1])

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    @property
    def workers(self) -> dict[int, Seen]:
        return {pid: s for pid, s in self.seen.items() if pid != self.parent_pid}

    @property
    def segments(self) -> set[str]:
        """Every /dev/shm segment the subject or a worker mapped during the call."""
        return set().union(*(s.segments for s in self.seen.values()))


def shm_dir(subject) -> Path:
    """/dev/shm as the subject sees it (the sandbox gives it a private one)."""
    return Path(f"/proc/{subject.pid}/root/dev/shm")


def remove_segments(subject, names: set[str]) -> None:
    """Clean up what a wrong submission leaked, so the machine does not fill /dev/shm."""
    for name in names:
        with contextlib.suppress(OSError):
            os.unlink(shm_dir(subject) / name)
