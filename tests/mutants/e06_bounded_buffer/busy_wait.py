# rejects: test_full_buffer_blocks_put, test_no_busy_wait, test_check_and_act_in_one_critical_section
"""Correct results, but waiting means spinning: take the lock, look, let go, look again."""

import threading
import time
from collections import deque


class BoundedBuffer:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self.capacity = capacity
        self.items = deque()
        self.lock = threading.Lock()

    def _deadline(self, timeout):
        return None if timeout is None else time.monotonic() + timeout

    def put(self, item, timeout=None):
        deadline = self._deadline(timeout)
        while True:
            with self.lock:
                if len(self.items) < self.capacity:
                    self.items.append(item)
                    return
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError("buffer full")

    def get(self, timeout=None):
        deadline = self._deadline(timeout)
        while True:
            with self.lock:
                if self.items:
                    return self.items.popleft()
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError("buffer empty")

    def __len__(self):
        with self.lock:
            return len(self.items)
