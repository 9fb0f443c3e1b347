# rejects: test_crash_is_reported_with_exit_code, test_no_child_left
"""A ProcessPoolExecutor: one dead worker breaks the pool, and every task still queued fails."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, TimeoutError
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TaskResult:
    status: str
    value: Any = None
    error: str | None = None
    exitcode: int | None = None


def run_isolated(tasks, timeout, workers=2):
    results = []
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context())
    futures = [pool.submit(task) for task in tasks]
    for future in futures:
        try:
            results.append(TaskResult("ok", value=future.result(timeout)))
        except TimeoutError:
            results.append(TaskResult("timeout"))
        except Exception as exc:
            if type(exc).__name__ == "BrokenProcessPool":
                results.append(TaskResult("crashed"))
            else:
                results.append(TaskResult("error", error=repr(exc)))
    for proc in multiprocessing.active_children():
        proc.kill()
    pool.shutdown(wait=True, cancel_futures=True)
    return results
