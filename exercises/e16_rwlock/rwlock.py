"""e16 - A readers-writer lock that does not starve writers.

Readers only look at shared data, so any number of them may hold the lock
at once. A writer changes the data, so it must be alone: no readers, no
other writer. Once a writer is waiting, new readers wait behind it;
otherwise a steady stream of readers could keep the writer out forever.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class RWLock:
    """Many readers at once, or one writer alone; writer-preferring."""

    def __init__(self) -> None:
        # TODO: a Condition, and counters: readers inside, a writer inside, writers waiting.
        pass

    def acquire_read(self) -> None:
        """Wait while a writer holds the lock *or waits for it*, then enter as a reader."""
        # TODO
        raise NotImplementedError("acquire_read is not written yet: see README.md")

    def release_read(self) -> None:
        """Leave as a reader; ``RuntimeError`` if no reader holds the lock."""
        # TODO: the last reader out must wake the waiting writers.
        raise NotImplementedError("release_read is not written yet: see README.md")

    def acquire_write(self) -> None:
        """Wait until nobody (reader or writer) holds the lock, then enter alone."""
        # TODO: say you are waiting, so that new readers stay out.
        raise NotImplementedError("acquire_write is not written yet: see README.md")

    def release_write(self) -> None:
        """Leave as the writer; ``RuntimeError`` if no writer holds the lock."""
        # TODO: wake everybody who waits.
        raise NotImplementedError("release_write is not written yet: see README.md")

    @contextmanager
    def read_locked(self) -> Iterator[None]:
        """``with rw.read_locked(): ...`` holds a read lock for the block."""
        self.acquire_read()
        try:
            yield
        finally:
            self.release_read()

    @contextmanager
    def write_locked(self) -> Iterator[None]:
        """``with rw.write_locked(): ...`` holds the write lock for the block."""
        self.acquire_write()
        try:
            yield
        finally:
            self.release_write()
