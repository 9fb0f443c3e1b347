"""Trusted helper for e07, run inside the subject (next to pipeline.py).

Whether ``run_pipeline`` joined its threads is read here, in the calling thread,
the moment it returns or raises. A joined thread has left
``threading.enumerate()`` before its ``join()`` returns, so the answer is exact
on any machine; a thread that was only told to stop (it notices the flag at its
next poll) is still listed.
"""

from __future__ import annotations

import threading
from typing import Any

import pipeline


def _same(x: Any) -> Any:
    return x


def _fail_at(k: int) -> Any:
    def stage(x: Any) -> Any:
        if x == k:
            raise RuntimeError(f"stage failed on item {k}")
        return x
    return stage


def threads_left(n: int, workers: int, fail_at: int | None = None) -> dict[str, Any]:
    """Run ``n`` items through 3 stages; what it returned or raised, and its threads still alive."""
    before = set(threading.enumerate())
    middle = _same if fail_at is None else _fail_at(fail_at)
    out: dict[str, Any] = {"result": None, "error": None}
    try:
        out["result"] = pipeline.run_pipeline(range(n), [_same, middle, _same],
                                              workers_per_stage=workers, maxsize=2)
    except Exception as exc:  # noqa: BLE001 - reported to the hidden test
        out["error"] = repr(exc)[:300]
    out["left"] = sorted(t.name for t in threading.enumerate() if t not in before and t.is_alive())
    return out
