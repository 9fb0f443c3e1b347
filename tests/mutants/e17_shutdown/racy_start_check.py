# rejects: test_start_twice_and_bad_interval
"""start() checks `self._thread is None` and then creates the thread, with no lock around both.

A second start() after the first returns is refused; two start() calls at the
same time can both pass the check and start two heartbeat threads.
"""

import logging
import threading


class Heartbeat:
    def __init__(self, tick, interval):
        if interval <= 0:
            raise ValueError("interval must be positive")
        self._tick = tick
        self._interval = interval
        self._stopped = threading.Event()
        self._thread = None

    def start(self):
        if self._thread is not None:
            raise RuntimeError("already started")
        thread = threading.Thread(target=self._run, daemon=True)
        self._thread = thread
        thread.start()

    def _run(self):
        while not self._stopped.wait(self._interval):
            try:
                self._tick()
            except Exception:
                logging.getLogger(__name__).exception("tick raised")

    def stop(self, timeout=1.0):
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive() and not self._stopped.is_set()
