# rejects: test_stage_exception_is_raised_within_a_second, test_threads_joined_on_return
"""Daemon workers loop forever on their queue; the caller counts results and leaves them."""

import queue
import threading


def run_pipeline(items, stages, workers_per_stage=2, maxsize=8):
    if workers_per_stage < 1 or maxsize < 1:
        raise ValueError("bad arguments")
    stages = list(stages)
    if not stages:
        return list(items)
    qs = [queue.Queue(maxsize) for _ in range(len(stages) + 1)]
    errors = []
    total = []

    def feed():
        n = 0
        for job in enumerate(items):
            qs[0].put(job)
            n += 1
        total.append(n)

    def work(i):
        while True:
            index, value = qs[i].get()
            try:
                qs[i + 1].put((index, stages[i](value)))
            except Exception as exc:
                errors.append(exc)

    threading.Thread(target=feed, daemon=True).start()
    for i in range(len(stages)):
        for _ in range(workers_per_stage):
            threading.Thread(target=work, args=(i,), daemon=True).start()
    results = {}
    while not errors and not (total and len(results) == total[0]):
        try:
            index, value = qs[-1].get(timeout=0.05)
        except queue.Empty:
            continue
        results[index] = value
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(results))]
