# rejects: test_full_buffer_blocks_put, test_check_and_act_in_one_critical_section
"""put() waits on the condition without its timeout: a full buffer blocks it forever."""

import collections
import threading


class BoundedBuffer:
    def __init__(self, capacity):
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self._capacity = capacity
        self._items = collections.deque()
        self._cond = threading.Condition()

    def put(self, item, timeout=None):
        with self._cond:
            while len(self._items) >= self._capacity:
                self._cond.wait()
            self._items.append(item)
            self._cond.notify_all()

    def get(self, timeout=None):
        with self._cond:
            if not self._cond.wait_for(lambda: self._items, timeout if timeout is None else max(timeout, 0)):
                raise TimeoutError("buffer empty")
            item = self._items.popleft()
            self._cond.notify_all()
            return item

    def __len__(self):
        with self._cond:
            return len(self._items)
