# rejects: test_values_in_input_order, test_crash_is_reported_with_exit_code, test_no_child_left
"""Threads instead of processes: os._exit or a segfault in a task ends the whole program."""

import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TaskResult:
    status: str
    value: Any = None
    error: str | None = None
    exitcode: int | None = None


def run_isolated(tasks, timeout, workers=2):
    results = [None] * len(tasks)

    def run(i, task):
        try:
            results[i] = TaskResult("ok", value=task())
        except BaseException as exc:
            results[i] = TaskResult("error", error=repr(exc))

    threads = [threading.Thread(target=run, args=(i, task), daemon=True)
               for i, task in enumerate(tasks)]
    for thread in threads:
        thread.start()
    for i, thread in enumerate(threads):
        thread.join(timeout)
        if thread.is_alive():
            results[i] = TaskResult("timeout")
    return results
