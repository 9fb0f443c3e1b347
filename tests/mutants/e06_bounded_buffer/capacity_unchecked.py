# rejects: test_full_buffer_blocks_put, test_check_and_act_in_one_critical_section
"""put never waits: the buffer grows past its capacity (an unbounded queue)."""

import threading
from collections import deque


class BoundedBuffer:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self.capacity = capacity
        self.items = deque()
        self.not_empty = threading.Condition()

    def put(self, item, timeout=None):
        with self.not_empty:
            self.items.append(item)
            self.not_empty.notify()

    def get(self, timeout=None):
        with self.not_empty:
            if not self.not_empty.wait_for(lambda: self.items,
                                           None if timeout is None else max(timeout, 0)):
                raise TimeoutError("buffer empty")
            return self.items.popleft()

    def __len__(self):
        with self.not_empty:
            return len(self.items)
