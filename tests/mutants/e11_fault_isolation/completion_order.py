# rejects: test_values_in_input_order, test_timeout_kills_the_task, test_no_child_left
"""Right results, but in the order the tasks finished, not the order they were given."""

import multiprocessing
import time
from multiprocessing.connection import wait
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


def run_isolated(tasks, timeout, workers=2):
    results, pending, running = [], list(tasks), []
    while pending or running:
        while pending and len(running) < workers:
            recv, send = multiprocessing.Pipe(duplex=False)
            proc = multiprocessing.Process(target=_run, args=(pending.pop(0), send))
            proc.start()
            send.close()
            running.append((proc, recv, time.monotonic() + timeout))
        ready = wait([r for _, r, _ in running], max(0, min(d for *_, d in running) - time.monotonic()))
        for job in list(running):
            proc, recv, deadline = job
            if recv in ready:
                try:
                    status, payload = recv.recv()
                    result = TaskResult(status, value=payload) if status == "ok" else TaskResult(status, error=payload)
                except EOFError:
                    proc.join()
                    result = TaskResult("crashed", exitcode=proc.exitcode)
            elif time.monotonic() >= deadline:
                proc.kill()
                result = TaskResult("timeout")
            else:
                continue
            proc.join()
            results.append(result)
            running.remove(job)
    return results
