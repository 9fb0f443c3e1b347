"""Probes for e12_scaling: functions a submission's ``parallel_map`` sends to its workers.

Each leaves evidence in ``CONCURLAB_PROBE_DIR`` (one file per worker process), so the
driver sees which process ran which item and how items were grouped, without reading
anything of the submission's.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from grader import environment

#: How long a probe waits for another worker before giving up (keeps every loop bounded).
MEET_TIMEOUT = 5.0
#: How long a process's first call waits for the driver's watch to have seen it.
SEEN_TIMEOUT = 5.0

_logs: dict[int, object] = {}
_announced: set[int] = set()


def _probe_dir() -> Path:
    return Path(os.environ.get(environment.PROBE_DIR, "."))


def _log(name: str, line: str) -> None:
    """Append a line to this process's log (kept open: no file reads between calls)."""
    pid = os.getpid()
    log = _logs.get(pid)
    if log is None:
        log = _logs[pid] = open(_probe_dir() / f"{name}-{pid}.log", "a", buffering=1)  # noqa: SIM115
    log.write(line + "\n")  # type: ignore[attr-defined]


def _wait_for(predicate, timeout: float = MEET_TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.002)
    return True


def _wait_until_seen() -> None:
    """Once per process, while the driver watches: wait until its watch has seen this process.

    A worker that lives a few milliseconds on a busy machine could end between two of
    the watch's samples; the driver then cannot vouch for the evidence it left.
    """
    pid = os.getpid()
    if pid not in _announced:
        _announced.add(pid)
        folder = _probe_dir()
        if (folder / environment.WATCHING).exists():
            _wait_for((folder / environment.SEEN.format(pid=pid)).exists, SEEN_TIMEOUT)


def cube(x: int) -> int:
    """A tiny item: far cheaper than sending it to another process."""
    return x * x * x


def last_first(item: tuple[str, int, int]) -> int:
    """``(token, i, n)``: item 0 finishes only after item ``n - 1`` has (a 5 s bound).

    With two workers, results collected in completion order put item 0 last.
    """
    token, i, n = item
    marker = _probe_dir() / f"{token}-last-done"
    if i == 0:
        _wait_for(marker.exists)
    elif i == n - 1:
        marker.touch()
    return i * i


def meet(item: tuple[str, int]) -> tuple[int, int, bool]:
    """``(token, i)``: returns ``(i, pid, met)``; item 0 waits until a call in another process ran."""
    token, i = item
    _wait_until_seen()
    pid = os.getpid()
    (_probe_dir() / f"{token}-seen-{pid}").touch()
    met = True
    if i == 0:
        met = _wait_for(lambda: any(p.name != f"{token}-seen-{pid}"
                                    for p in _probe_dir().glob(f"{token}-seen-*")))
    return i, pid, met


def _read_syscalls() -> int | None:
    """How many read() system calls this process has made so far (Linux /proc)."""
    try:
        with open("/proc/self/io", "rb", buffering=0) as f:
            text = f.read()
    except OSError:
        return None
    for line in text.split(b"\n"):
        if line.startswith(b"syscr:"):
            return int(line.split()[1])
    return None


def count_reads(x: int) -> int:
    """A tiny item that logs ``pid before after x`` of this process's read() count.

    ``after - before`` is what the probe itself reads; between two calls of one batch the
    count grows by exactly that much, while fetching a new batch from the parent adds
    reads from a pipe. So the log shows where each batch began.
    """
    _wait_until_seen()
    before = _read_syscalls()
    after = _read_syscalls()
    _log("reads", f"{before} {after} {x}")
    return x * x
