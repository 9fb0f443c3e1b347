# rejects: test_timeout_kills_the_task
"""A task past its timeout stops every task still running (like Pool.terminate()).

The hung task is killed, but so are the tasks beside it that would have finished
in time: they are reported as timeouts too.
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any


@dataclass(frozen=True)
class TaskResult:
    status: str  # "ok", "error", "crashed" or "timeout"
    value: Any = None
    error: str | None = None
    exitcode: int | None = None


def _run(task: Callable[[], Any], conn: Connection) -> None:
    """In the worker: run the task and send back ("ok", value) or ("error", repr)."""
    try:
        message = ("ok", task())
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, never re-raised
        message = ("error", repr(exc))
    try:
        conn.send(message)
    except Exception as exc:  # the value could not be pickled  # noqa: BLE001
        conn.send(("error", repr(exc)))
    conn.close()


@dataclass
class _Running:
    index: int
    process: multiprocessing.Process
    conn: Connection
    deadline: float


def _finish(job: _Running) -> TaskResult | None:
    """The result of a job whose pipe is readable (a message, or EOF when it died)."""
    try:
        status, payload = job.conn.recv()
    except EOFError:  # the process ended without sending: it crashed
        job.process.join()
        return TaskResult("crashed", exitcode=job.process.exitcode)
    job.process.join()
    if status == "ok":
        return TaskResult("ok", value=payload)
    return TaskResult("error", error=payload)


def run_isolated(tasks: Sequence[Callable[[], Any]], timeout: float,
                 workers: int = 2) -> list[TaskResult]:
    """Run each task in a process of its own, at most ``workers`` at a time; results in order."""
    results: list[TaskResult | None] = [None] * len(tasks)
    pending = deque(enumerate(tasks))
    running: list[_Running] = []
    try:
        while pending or running:
            while pending and len(running) < max(1, workers):
                index, task = pending.popleft()
                recv, send = multiprocessing.Pipe(duplex=False)
                proc = multiprocessing.Process(target=_run, args=(task, send), daemon=True)
                proc.start()
                send.close()  # only the child writes: EOF arrives when it dies
                running.append(_Running(index, proc, recv, time.monotonic() + timeout))
            soonest = min(job.deadline for job in running)
            ready = wait([job.conn for job in running], max(0.0, soonest - time.monotonic()))
            now = time.monotonic()
            expired = any(now >= job.deadline for job in running)
            for job in list(running):
                if job.conn in ready:
                    results[job.index] = _finish(job)
                elif expired:
                    job.process.kill()
                    job.process.join()
                    results[job.index] = TaskResult("timeout")
                else:
                    continue
                job.conn.close()
                running.remove(job)
    finally:  # e.g. KeyboardInterrupt: leave no process behind
        for job in running:
            job.process.kill()
            job.process.join()
            job.conn.close()
    return [r for r in results if r is not None]
