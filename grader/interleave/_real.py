"""The real primitives, captured at import before any patching.

The explorer's own machinery (batons, watchdog, clocks) must never go through
the modelled replacements it installs, so it only uses the names below, and
:func:`captured` gives the real value of any name a declaration
(:data:`grader.interleave.primitives.DECLARED`) replaces.
"""

from __future__ import annotations

import _thread
import queue
import threading
import time
from types import ModuleType
from typing import Any

_SNAPSHOT: dict[str, dict[str, Any]] = {m.__name__: dict(vars(m)) for m in (threading, time, queue)}


def captured(module: ModuleType, name: str) -> Any:
    """``module.name`` as it was before any exploration patched it."""
    return _SNAPSHOT[module.__name__][name]


allocate_lock = _thread.allocate_lock
start_new_thread = _thread.start_new_thread
get_ident = _thread.get_ident
LockType = _thread.LockType
RLockType = type(_thread.RLock())

monotonic = time.monotonic
monotonic_ns = time.monotonic_ns
perf_counter = time.perf_counter
perf_counter_ns = time.perf_counter_ns
wall_time = time.time
wall_time_ns = time.time_ns
sleep = time.sleep

Condition = threading.Condition
Semaphore = threading.Semaphore
Event = threading.Event
Barrier = threading.Barrier
Queue = queue.Queue
SimpleQueue = queue.SimpleQueue
