"""e17 as a Thread subclass that sleeps on a Condition with a deadline (no Event)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)


class _Ticker(threading.Thread):
    def __init__(self, tick: Callable[[], None], interval: float):
        super().__init__(name="heartbeat", daemon=True)
        self.tick = tick
        self.interval = interval
        self.cond = threading.Condition()
        self.stopping = False

    def run(self) -> None:
        due = time.monotonic() + self.interval
        while True:
            with self.cond:
                self.cond.wait_for(lambda: self.stopping, timeout=max(0.0, due - time.monotonic()))
                if self.stopping:
                    return
            try:
                self.tick()
            except Exception:
                logger.exception("tick failed")
            due = max(due + self.interval, time.monotonic())


class Heartbeat:
    def __init__(self, tick: Callable[[], None], interval: float):
        if interval <= 0:
            raise ValueError("interval must be positive")
        self._ticker = _Ticker(tick, interval)
        self._started = False
        self._guard = threading.Lock()

    def start(self) -> None:
        with self._guard:
            if self._started:
                raise RuntimeError("already started")
            self._started = True
        self._ticker.start()

    def stop(self, timeout: float = 1.0) -> None:
        with self._ticker.cond:
            self._ticker.stopping = True
            self._ticker.cond.notify_all()
        if self._started and self._ticker is not threading.current_thread():
            self._ticker.join(timeout)

    @property
    def running(self) -> bool:
        return self._started and self._ticker.is_alive() and not self._ticker.stopping
