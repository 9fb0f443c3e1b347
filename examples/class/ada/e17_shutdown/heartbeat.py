"""A heartbeat thread that stops at once when asked (reference solution)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class Heartbeat:
    """Calls ``tick`` every ``interval`` seconds in a background thread until stopped."""

    def __init__(self, tick: Callable[[], None], interval: float):
        if interval <= 0:
            raise ValueError(f"interval must be positive, got {interval}")
        self._tick = tick
        self._interval = interval
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start ticking; the first tick comes one interval from now."""
        with self._lock:
            if self._thread is not None:
                raise RuntimeError("a Heartbeat can only be started once")
            self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 1.0) -> None:
        """Ask the thread to stop and wait for it (idempotent)."""
        self._stopping.set()  # wakes the thread out of its wait at once
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive() and not self._stopping.is_set()

    def _run(self) -> None:
        next_tick = time.monotonic() + self._interval
        # Event.wait sleeps until the deadline or until stop() sets the event: no polling.
        while not self._stopping.wait(max(0.0, next_tick - time.monotonic())):
            try:
                self._tick()
            except Exception:
                log.exception("heartbeat tick failed; the heartbeat goes on")
            next_tick = max(next_tick + self._interval, time.monotonic())
