"""A pipeline of thread stages joined by bounded queues (reference solution)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

#: How often a thread blocked on a queue looks at the stop flag (bounds shutdown time).
POLL = 0.05

_DONE = object()  # end of input: one per worker of the stage that reads it
_STOPPED = object()  # what a blocked get returns once the pipeline is stopping


def run_pipeline(
    items: Iterable,
    stages: Sequence[Callable[[Any], Any]],
    workers_per_stage: int = 2,
    maxsize: int = 8,
) -> list:
    """Pass every item through ``stages`` in turn; results in input order.

    Bounded queues give back-pressure (the input is read lazily); the first
    exception of any stage stops every thread and is raised here.
    """
    if workers_per_stage < 1:
        raise ValueError(f"workers_per_stage must be at least 1, got {workers_per_stage}")
    if maxsize < 1:
        raise ValueError(f"maxsize must be at least 1, got {maxsize}")
    stages = list(stages)
    if not stages:
        return list(items)
    return _Pipeline(stages, workers_per_stage, maxsize).run(items)


class _Pipeline:
    """One run: the queues, the threads, the stop flag and the first error."""

    def __init__(self, stages: list[Callable[[Any], Any]], workers: int, maxsize: int):
        self.stages = stages
        self.workers = workers
        # queues[i] feeds stage i; the last one feeds the caller.
        self.queues: list[queue.Queue] = [queue.Queue(maxsize) for _ in range(len(stages) + 1)]
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.error: BaseException | None = None
        self.alive = [workers] * len(stages)

    def run(self, items: Iterable) -> list:
        threads = [threading.Thread(target=self._feed, args=(items,), daemon=True)]
        threads += [threading.Thread(target=self._work, args=(i,), daemon=True)
                    for i in range(len(self.stages)) for _ in range(self.workers)]
        for t in threads:
            t.start()
        results: dict[int, Any] = {}
        try:
            while (job := self._get(self.queues[-1])) is not _DONE and job is not _STOPPED:
                index, value = job
                results[index] = value
        finally:
            self.stop.set()  # nothing is left to do: release anyone still blocked
            for t in threads:
                t.join()
        if self.error is not None:
            raise self.error
        return [results[i] for i in range(len(results))]

    def _fail(self, exc: BaseException) -> None:
        with self.lock:
            if self.error is None:
                self.error = exc
        self.stop.set()

    def _put(self, q: queue.Queue, item: Any) -> bool:
        """Block until there is room, unless the pipeline stops (then False)."""
        while not self.stop.is_set():
            try:
                q.put(item, timeout=POLL)
                return True
            except queue.Full:
                pass
        return False

    def _get(self, q: queue.Queue) -> Any:
        while not self.stop.is_set():
            try:
                return q.get(timeout=POLL)
            except queue.Empty:
                pass
        return _STOPPED

    def _feed(self, items: Iterable) -> None:
        try:
            for job in enumerate(items):
                if not self._put(self.queues[0], job):
                    return
        except BaseException as exc:  # noqa: BLE001 - a failing input fails the run
            self._fail(exc)
            return
        for _ in range(self.workers):
            self._put(self.queues[0], _DONE)

    def _work(self, stage: int) -> None:
        fn, src, dst = self.stages[stage], self.queues[stage], self.queues[stage + 1]
        while (job := self._get(src)) is not _DONE:
            if job is _STOPPED:
                return
            index, value = job
            try:
                result = fn(value)
            except BaseException as exc:  # noqa: BLE001 - re-raised by run()
                self._fail(exc)
                return
            if not self._put(dst, (index, result)):
                return
        with self.lock:
            self.alive[stage] -= 1
            last = self.alive[stage] == 0
        if last:  # every peer has put its results: now the end of input can follow them
            downstream = self.workers if stage + 1 < len(self.stages) else 1
            for _ in range(downstream):
                self._put(dst, _DONE)
