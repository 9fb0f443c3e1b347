"""The driver-side measures hidden tests build verdicts on: parallel CPU time and wake-ups."""

from __future__ import annotations

import os
import threading
import time

from grader.instruments import context_switches, parallel_seconds


def test_time_slicing_on_one_cpu_is_not_parallel():
    """Two processes taking turns within each 10 ms window never exceed one CPU."""
    samples = [(t * 0.01, {1: t * 0.005, 2: t * 0.005}) for t in range(11)]
    assert parallel_seconds(samples, {1, 2}) == 0.0


def test_cpu_beyond_one_cpu_is_parallel():
    samples = [(t * 0.01, {1: t * 0.01, 2: t * 0.008}) for t in range(11)]
    assert abs(parallel_seconds(samples, {1, 2}) - 0.08) < 1e-9


def test_a_process_counts_only_between_samples_that_saw_it():
    samples = [(0.0, {1: 0.0}), (0.01, {1: 0.01, 2: 5.0}), (0.02, {1: 0.02, 2: 5.01})]
    assert abs(parallel_seconds(samples, {1, 2}) - 0.01) < 1e-9, "2's 5 s before it was seen do not count"


def test_a_polling_thread_wakes_up_a_blocked_one_does_not():
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            time.sleep(0.001)

    blocked = threading.Thread(target=stop.wait, args=(10,))
    polling = threading.Thread(target=poll)
    blocked.start()
    polling.start()
    time.sleep(0.05)
    before = context_switches(os.getpid())
    time.sleep(0.3)
    after = context_switches(os.getpid())
    stop.set()
    blocked.join()
    polling.join()
    woke = {tid: after[tid] - before[tid] for tid in before if tid in after}
    assert woke[blocked.native_id] <= 2
    assert woke[polling.native_id] >= 50
