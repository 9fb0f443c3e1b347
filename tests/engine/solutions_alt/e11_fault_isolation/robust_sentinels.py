"""A correct run_isolated in another style: a Queue for results, process sentinels for deaths."""

import multiprocessing as mp
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Any


@dataclass(frozen=True)
class TaskResult:
    status: str
    value: Any = None
    error: str | None = None
    exitcode: int | None = None


def _child(index, task, results):
    try:
        outcome = (index, "ok", task(), None)
    except Exception as exc:
        outcome = (index, "error", None, repr(exc))
    results.put(outcome)
    results.close()
    results.join_thread()


def run_isolated(tasks, timeout, workers=2):
    results = mp.Queue()
    out = [None] * len(tasks)
    todo = list(enumerate(tasks))[::-1]
    live = {}   # sentinel -> (index, process, deadline)
    try:
        while todo or live:
            while todo and len(live) < max(1, workers):
                i, task = todo.pop()
                p = mp.Process(target=_child, args=(i, task, results))
                p.start()
                live[p.sentinel] = (i, p, time.monotonic() + timeout)
            first = min(d for _, _, d in live.values())
            ended = wait(list(live), max(0.0, first - time.monotonic()))
            for s in ended:
                i, p, _ = live.pop(s)
                p.join()
                if p.exitcode == 0:
                    while out[i] is None:
                        j, status, value, error = results.get()
                        out[j] = TaskResult(status, value=value, error=error)
                else:
                    out[i] = TaskResult("crashed", exitcode=p.exitcode)
            now = time.monotonic()
            for s, (i, p, deadline) in list(live.items()):
                if now >= deadline:
                    p.kill()
                    p.join()
                    del live[s]
                    out[i] = TaskResult("timeout")
    finally:
        for _i, p, _ in live.values():
            p.kill()
            p.join()
        results.close()
        results.join_thread()
    return out
