# rejects: test_waiting_burns_no_cpu
"""Polls the clock in a tight loop: prompt, but it burns a core while nothing is wrong."""

from __future__ import annotations

import logging
import sys
import threading
import time
import traceback
from collections.abc import Callable

log = logging.getLogger(__name__)


def thread_dump(skip: int | None = None) -> str:
    """Every live thread but ``skip``: its name, then its stack, innermost frame last."""
    names = {t.ident: t.name for t in threading.enumerate()}
    sections = []
    for ident, frame in sys._current_frames().items():
        if ident == skip:
            continue
        lines = [f'Thread "{names.get(ident, "<not started by threading>")}" (ident {ident}), '
                 "most recent call last:"]
        lines += [f"  {f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_stack(frame)]
        sections.append("\n".join(lines))
    return "\n\n".join(sections) + "\n"


class Watchdog:
    """Calls ``report(thread_dump)`` once when ``kick()`` has not come for ``timeout`` seconds."""

    def __init__(self, timeout: float, report: Callable[[str], None]):
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout}")
        self._timeout = timeout
        self._report = report
        self._changed = threading.Condition()  # guards the three fields below
        self._deadline = 0.0
        self._fired = False  # reported this stall already: wait for a kick
        self._stopping = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._changed:
            if self._thread is not None:
                raise RuntimeError("a Watchdog can only be started once")
            self._deadline = time.monotonic() + self._timeout
            self._thread = threading.Thread(target=self._watch, name="watchdog", daemon=True)
            self._thread.start()

    def kick(self) -> None:
        """I am alive: the next report comes only after ``timeout`` more seconds without a kick."""
        with self._changed:
            self._deadline = time.monotonic() + self._timeout
            self._fired = False
            self._changed.notify()

    def stop(self, timeout: float = 1.0) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def __enter__(self) -> Watchdog:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _watch(self) -> None:
        while True:
            if self._stopping:
                return
            if self._fired or time.monotonic() < self._deadline:
                continue  # checks again at once
            self._fired = True
            text = thread_dump(skip=threading.get_ident())  # outside the lock: kick() never waits
            try:
                self._report(text)
            except Exception:
                log.exception("watchdog report failed; watching goes on")
