"""The batch's exclusive gate: speed-measuring jobs run alone, and the rest still run in parallel."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from grader.batch import _ExclusiveGate

THREADS = 3


def test_exclusive_jobs_run_alone_then_ordinary_jobs_share_every_thread():
    gate = _ExclusiveGate()
    lock = threading.Lock()
    running: list[str] = []
    alone: list[bool] = []
    # Ordinary jobs meet here THREADS at a time: it breaks (and the test fails) if the
    # gate lets them run only one after another.
    together = threading.Barrier(THREADS, timeout=10)

    def job(kind: str) -> dict:
        with lock:
            running.append(kind)
            if kind == "exclusive":
                alone.append(len(running) == 1)
        try:
            if kind == "exclusive":
                threading.Event().wait(0.05)
            else:
                together.wait()
        finally:
            with lock:
                running.remove(kind)
        return {}

    kinds = ["exclusive"] * 2 + ["ordinary"] * (2 * THREADS)
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(gate.run, kind == "exclusive", lambda k=kind: job(k)) for kind in kinds]
        for fut in futures:
            fut.result()
    assert alone == [True, True], "an exclusive job ran while another job was running"
