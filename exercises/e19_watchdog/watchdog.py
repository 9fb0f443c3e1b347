"""e19 - Troubleshooting: a watchdog that finds where a threaded program is stuck.

The program calls ``kick()`` whenever it makes progress.  When the kicks stop
for ``timeout`` seconds, the watchdog writes down where every thread is (its
name and its stack), which is what you need to tell a deadlock from a lost
wake-up from a slow network call.
"""

from __future__ import annotations

from collections.abc import Callable


def thread_dump(skip: int | None = None) -> str:
    """Every live thread but the one whose ident is ``skip``: one section per thread.

    Each section gives the thread's name, then its current stack, one
    ``file:line in function`` per frame, innermost frame last (like a traceback).
    """
    # TODO: sys._current_frames() maps thread idents to their innermost frame;
    # threading.enumerate() gives the names; traceback.extract_stack(frame) the frames.
    raise NotImplementedError("thread_dump is not written yet: see README.md")


class Watchdog:
    """Calls ``report(text)`` once per stall: when ``kick()`` has not come for ``timeout`` s.

    - ``timeout <= 0`` raises ``ValueError``; a second ``start()`` raises ``RuntimeError``.
    - ``report`` is called from the watchdog's own thread, which the text leaves out;
      after a report the watchdog waits for the next ``kick()`` before it can report again.
    - An exception in ``report`` is logged and watching goes on; nothing busy-waits;
      ``stop()`` returns promptly with the thread joined; ``with Watchdog(...) as w:``
      starts it and stops it on exit.
    """

    def __init__(self, timeout: float, report: Callable[[str], None]):
        # TODO: check timeout; remember timeout and report; a Condition (or Event) to wait on.
        raise NotImplementedError("Watchdog is not written yet: see README.md")

    def start(self) -> None:
        """Start watching: the first deadline is ``timeout`` seconds from now."""
        # TODO
        raise NotImplementedError

    def kick(self) -> None:
        """Progress was made: move the deadline to ``timeout`` seconds from now, re-arm."""
        # TODO
        raise NotImplementedError

    def stop(self, timeout: float = 1.0) -> None:
        """Wake the watching thread and wait up to ``timeout`` s for it to end; idempotent."""
        # TODO
        raise NotImplementedError

    def __enter__(self) -> Watchdog:
        # TODO: start, then return self
        raise NotImplementedError

    def __exit__(self, *exc: object) -> None:
        # TODO: stop
        raise NotImplementedError
