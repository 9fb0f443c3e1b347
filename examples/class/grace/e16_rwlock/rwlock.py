"""A writer-preferring readers-writer lock (reference solution)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class RWLock:
    """Many readers at once, or one writer alone.

    Writer-preferring: as soon as a writer waits, new readers wait too, so a
    steady stream of readers cannot keep a writer out forever. Everything is
    guarded by one condition; every change that could let a waiter in
    notifies all waiters, and each waiter re-checks its own condition.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    def acquire_read(self) -> None:
        with self._cond:
            while self._writing or self._writers_waiting:
                self._cond.wait()
            self._readers += 1

    def release_read(self) -> None:
        with self._cond:
            if self._readers == 0:
                raise RuntimeError("release_read() but no reader holds the lock")
            self._readers -= 1
            if self._readers == 0:
                self._cond.notify_all()

    def acquire_write(self) -> None:
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writing or self._readers:
                    self._cond.wait()
            finally:
                self._writers_waiting -= 1
            self._writing = True

    def release_write(self) -> None:
        with self._cond:
            if not self._writing:
                raise RuntimeError("release_write() but no writer holds the lock")
            self._writing = False
            self._cond.notify_all()

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
