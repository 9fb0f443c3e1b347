"""A correct heartbeat in another style: a Condition with wait_for and a state under one lock."""

import logging
import threading
import time


class Heartbeat:
    def __init__(self, tick, interval):
        if not interval > 0:
            raise ValueError("interval must be > 0")
        self._tick, self._interval = tick, interval
        self._cond = threading.Condition()
        self._state = "new"          # new -> running -> stopped
        self._worker = None

    def start(self):
        with self._cond:
            if self._state != "new":
                raise RuntimeError("start() may be called once")
            self._state = "running"
            self._worker = threading.Thread(target=self._loop, name="heartbeat", daemon=True)
            self._worker.start()

    def _loop(self):
        due = time.monotonic() + self._interval
        while True:
            with self._cond:
                stopped = self._cond.wait_for(lambda: self._state == "stopped",
                                              max(0.0, due - time.monotonic()))
            if stopped:
                return
            try:
                self._tick()
            except Exception:
                logging.getLogger(__name__).exception("tick failed")
            due = max(due + self._interval, time.monotonic())

    def stop(self, timeout=1.0):
        with self._cond:
            self._state = "stopped"
            self._cond.notify_all()
            worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(timeout)

    @property
    def running(self):
        with self._cond:
            return self._state == "running" and self._worker is not None and self._worker.is_alive()
