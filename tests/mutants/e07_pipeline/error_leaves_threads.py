# rejects: test_stage_exception_is_raised_within_a_second, test_threads_joined_on_return
"""Raises the first error at once, but never stops the other threads (daemons keep going)."""

import queue
import threading

POLL = 0.05
DONE = object()
STOPPED = object()


def run_pipeline(items, stages, workers_per_stage=2, maxsize=8):
    if workers_per_stage < 1 or maxsize < 1:
        raise ValueError("bad arguments")
    stages = list(stages)
    if not stages:
        return list(items)
    W = workers_per_stage
    qs = [queue.Queue(maxsize) for _ in range(len(stages) + 1)]
    stop = threading.Event()
    lock = threading.Lock()
    errors = []
    alive = [W] * len(stages)

    def fail(exc):
        with lock:
            errors.append(exc)
        qs[-1].put(STOPPED)

    def put(q, item):
        while not stop.is_set():
            try:
                q.put(item, timeout=POLL)
                return True
            except queue.Full:
                pass
        return False

    def get(q):
        while not stop.is_set():
            try:
                return q.get(timeout=POLL)
            except queue.Empty:
                pass
        return STOPPED

    def feed():
        try:
            for job in enumerate(items):
                if not put(qs[0], job):
                    return
        except Exception as exc:
            fail(exc)
            return
        for _ in range(W):
            put(qs[0], DONE)

    def work(i):
        while True:
            job = get(qs[i])
            if job is STOPPED:
                return
            if job is DONE:
                break
            index, value = job
            try:
                result = stages[i](value)
            except Exception as exc:
                fail(exc)
                return
            if not put(qs[i + 1], (index, result)):
                return
        with lock:
            alive[i] -= 1
            last = alive[i] == 0
        if last:
            for _ in range(W if i + 1 < len(stages) else 1):
                put(qs[i + 1], DONE)

    threads = [threading.Thread(target=feed, daemon=True)]
    threads += [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(stages)) for _ in range(W)]
    for t in threads:
        t.start()
    results = {}
    try:
        while True:
            job = get(qs[-1])
            if job is DONE or job is STOPPED:
                break
            results[job[0]] = job[1]
    finally:
        if not errors:
            for t in threads:
                t.join()
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(results))]
