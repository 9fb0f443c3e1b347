"""What the child processes of this one did during a block: a helper for visible tests.

    with ChildProcesses() as seen:
        count_primes_parallel([80_000] * 4, 2)
    assert seen.spawned and seen.busy_together >= 2

A thread polls ``psutil`` every few milliseconds, so it sees pool workers and other
processes that live for more than an instant (a worker that starts and ends within one
poll may be missed; test work is sized so that they do not). The multiprocessing helper
processes (resource tracker, forkserver) are not workers and are left out.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

HELPERS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")
#: CPU time is counted in clock ticks (10 ms): two workers are "busy together" when both
#: gained CPU time within this window.
BUSY_WINDOW = 0.05


@dataclass
class ChildProcesses:
    """``watch_shm`` records the /dev/shm segments workers map (``shared_segments``);
    ``kill_one_mapping_shm`` kills the first worker seen with one (``killed``);
    ``watch_memory`` records the largest private memory of a worker."""

    interval: float = 0.005
    watch_shm: bool = False
    kill_one_mapping_shm: bool = False
    watch_memory: bool = False
    cmdlines: dict[int, str] = field(default_factory=dict)
    helpers: set[int] = field(default_factory=set)
    peak: int = 0
    busy_together: int = 0
    shared_segments: set[str] = field(default_factory=set)
    killed: int | None = None
    #: The most memory any one worker held for itself alone (USS, bytes), with ``watch_memory``.
    peak_private_bytes: int = 0

    def __post_init__(self) -> None:
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="concurlab-children", daemon=True)
        self._cpu: dict[int, float] = {}
        self._gained_at: dict[int, float] = {}

    def __enter__(self) -> ChildProcesses:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    @property
    def workers(self) -> set[int]:
        """The pids of the children seen that are not multiprocessing's helpers."""
        return set(self.cmdlines) - self.helpers

    @property
    def spawned(self) -> bool:
        """Some worker started as a fresh interpreter (the ``spawn`` start method)."""
        return any("spawn_main" in self.cmdlines[pid] for pid in self.workers)

    @property
    def forkserver_used(self) -> bool:
        return any("multiprocessing.forkserver" in self.cmdlines[pid] for pid in self.helpers)

    def _watch(self) -> None:
        me = psutil.Process()
        while not self._done.is_set():
            alive, now, children = 0, time.monotonic(), []
            with contextlib.suppress(psutil.Error):
                children = me.children(recursive=True)
            for child in children:
                with contextlib.suppress(psutil.Error):
                    self._look_at(child)
                    if child.pid in self.helpers:
                        continue
                    alive += 1
                    cpu = sum(child.cpu_times()[:2])
                    if cpu > self._cpu.get(child.pid, 0.0):
                        self._gained_at[child.pid] = now
                    self._cpu[child.pid] = cpu
            busy = sum(1 for t in self._gained_at.values() if now - t <= BUSY_WINDOW)
            self.peak = max(self.peak, alive)
            self.busy_together = max(self.busy_together, busy)
            self._done.wait(self.interval)

    def _look_at(self, child: psutil.Process) -> None:
        if child.pid not in self.cmdlines:
            self.cmdlines[child.pid] = " ".join(child.cmdline())
            if any(h in self.cmdlines[child.pid] for h in HELPERS):
                self.helpers.add(child.pid)
        if child.pid in self.helpers:
            return
        if self.watch_memory:
            self.peak_private_bytes = max(self.peak_private_bytes, child.memory_full_info().uss)
        if self.watch_shm or self.kill_one_mapping_shm:
            mapped = {Path(m.path).name for m in child.memory_maps()
                      if m.path.startswith("/dev/shm/") and "/sem." not in m.path}
            self.shared_segments |= mapped
            if mapped and self.kill_one_mapping_shm and self.killed is None:
                child.kill()
                self.killed = child.pid
