# rejects: test_woken_threads_recheck, test_no_lost_wakeup
"""Waits with `if` instead of `while`: a woken consumer assumes the item is still there."""

import threading
from collections import deque


class BoundedBuffer:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self.capacity = capacity
        self.items = deque()
        self.cond = threading.Condition()

    def put(self, item, timeout=None):
        with self.cond:
            if len(self.items) >= self.capacity:
                if timeout is not None and timeout <= 0 or not self.cond.wait(timeout):
                    raise TimeoutError("buffer full")
            self.items.append(item)
            self.cond.notify_all()

    def get(self, timeout=None):
        with self.cond:
            if not self.items:
                if timeout is not None and timeout <= 0 or not self.cond.wait(timeout):
                    raise TimeoutError("buffer empty")
            item = self.items.popleft()
            self.cond.notify_all()
            return item

    def __len__(self):
        with self.cond:
            return len(self.items)
