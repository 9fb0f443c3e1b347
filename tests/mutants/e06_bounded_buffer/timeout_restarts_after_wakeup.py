# rejects: test_full_buffer_blocks_put
"""Each wake-up starts the whole timeout again: a put (or get) that keeps being woken while it
still cannot go on waits far longer than its timeout."""

import threading
from collections import deque


class BoundedBuffer:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        self.items = deque()
        self.not_empty = threading.Condition()
        self.not_full = self.not_empty

    def put(self, item, timeout=None):
        with self.not_full:
            while len(self.items) >= self.capacity:
                if not self.not_full.wait(timeout):
                    raise TimeoutError("full")
            self.items.append(item)
            self.not_full.notify_all()

    def get(self, timeout=None):
        with self.not_empty:
            while not self.items:
                if not self.not_empty.wait(timeout):
                    raise TimeoutError("empty")
            item = self.items.popleft()
            self.not_empty.notify_all()
            return item

    def __len__(self):
        return len(self.items)
