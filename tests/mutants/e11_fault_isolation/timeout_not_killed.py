# rejects: test_timeout_kills_the_task, test_no_child_left
"""Reports the timeout, but leaves the runaway process running."""

import multiprocessing
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TaskResult:
    status: str
    value: Any = None
    error: str | None = None
    exitcode: int | None = None


def _run(task, conn):
    try:
        conn.send(("ok", task()))
    except BaseException as exc:
        conn.send(("error", repr(exc)))


def _one(task, timeout):
    recv, send = multiprocessing.Pipe(duplex=False)
    proc = multiprocessing.Process(target=_run, args=(task, send))
    proc.start()
    send.close()
    if not recv.poll(timeout):
        return TaskResult("timeout")
    try:
        status, payload = recv.recv()
    except EOFError:
        proc.join()
        return TaskResult("crashed", exitcode=proc.exitcode)
    proc.join()
    return TaskResult("ok", value=payload) if status == "ok" else TaskResult("error", error=payload)


def run_isolated(tasks, timeout, workers=2):
    return [_one(task, timeout) for task in tasks]
