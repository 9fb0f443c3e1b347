# rejects: test_no_lost_wakeup
"""One condition for "not full" and "not empty", and notify(): it can wake the wrong kind of thread."""

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
            if not self.cond.wait_for(lambda: len(self.items) < self.capacity,
                                      None if timeout is None else max(timeout, 0)):
                raise TimeoutError("buffer full")
            self.items.append(item)
            self.cond.notify()

    def get(self, timeout=None):
        with self.cond:
            if not self.cond.wait_for(lambda: self.items, None if timeout is None else max(timeout, 0)):
                raise TimeoutError("buffer empty")
            item = self.items.popleft()
            self.cond.notify()
            return item

    def __len__(self):
        with self.cond:
            return len(self.items)
