"""The real primitives, captured at import before any patching.

The explorer's own machinery (batons, watchdog, clocks) must never go through
the modelled replacements it installs, so it only uses the names below.
"""

from __future__ import annotations

import _thread
import queue
import threading
import time

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

Lock = threading.Lock
RLock = threading.RLock
Condition = threading.Condition
Semaphore = threading.Semaphore
BoundedSemaphore = threading.BoundedSemaphore
Event = threading.Event
Barrier = threading.Barrier
Thread = threading.Thread
Timer = threading.Timer
Queue = queue.Queue
SimpleQueue = queue.SimpleQueue

# Instances of these types were created outside the exploration: using one from
# controlled code would block for real, invisible to the scheduler.
REAL_PRIMITIVE_TYPES: tuple[type, ...] = (
    LockType,
    RLockType,
    Condition,
    Semaphore,
    Event,
    Barrier,
    SimpleQueue,
)
