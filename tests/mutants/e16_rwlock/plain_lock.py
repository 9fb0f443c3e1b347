# rejects: test_release_errors, test_one_thread_in_turn, test_readers_share, test_writer_not_starved
"""One plain Lock for everybody: safe, but readers can never read at the same time."""

import threading
from contextlib import contextmanager


class RWLock:
    def __init__(self):
        self._lock = threading.Lock()

    def acquire_read(self):
        self._lock.acquire()

    def release_read(self):
        self._lock.release()

    def acquire_write(self):
        self._lock.acquire()

    def release_write(self):
        self._lock.release()

    @contextmanager
    def read_locked(self):
        self.acquire_read()
        try:
            yield
        finally:
            self.release_read()

    @contextmanager
    def write_locked(self):
        self.acquire_write()
        try:
            yield
        finally:
            self.release_write()
