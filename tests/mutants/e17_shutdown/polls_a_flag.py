# rejects: test_waiting_burns_no_cpu
"""The thread polls a stop flag with time.sleep(0.001) until the next tick is due.

Each nap costs next to no CPU, so a CPU-time threshold misses it, and stop()
is prompt; but the idle thread wakes up a thousand times a second.
"""

import logging
import threading
import time

logger = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, tick, interval):
        if interval <= 0:
            raise ValueError("interval must be > 0")
        self.tick = tick
        self.interval = interval
        self._stop = False
        self._thread = None
        self._guard = threading.Lock()

    def start(self):
        with self._guard:
            if self._thread is not None:
                raise RuntimeError("already started")
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()

    def _loop(self):
        due = time.monotonic() + self.interval
        while not self._stop:
            if time.monotonic() >= due:
                try:
                    self.tick()
                except Exception:
                    logger.exception("tick failed")
                due += self.interval
            time.sleep(0.001)

    def stop(self, timeout=1.0):
        self._stop = True
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive() and not self._stop
