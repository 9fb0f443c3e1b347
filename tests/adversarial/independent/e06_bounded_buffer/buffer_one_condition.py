"""e06 with a single Condition, wait_for and notify_all (the reference uses two)."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any


class BoundedBuffer:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self._capacity = capacity
        self._items: deque[Any] = deque()
        self._changed = threading.Condition()

    def _wait(self, predicate, timeout: float | None) -> None:
        if timeout is not None and timeout <= 0:
            if not predicate():
                raise TimeoutError
            return
        deadline = None if timeout is None else time.monotonic() + timeout
        while not predicate():
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError
            self._changed.wait(left)

    def put(self, item: Any, timeout: float | None = None) -> None:
        with self._changed:
            self._wait(lambda: len(self._items) < self._capacity, timeout)
            self._items.append(item)
            self._changed.notify_all()

    def get(self, timeout: float | None = None) -> Any:
        with self._changed:
            self._wait(lambda: len(self._items) > 0, timeout)
            item = self._items.popleft()
            self._changed.notify_all()
            return item

    def __len__(self) -> int:
        with self._changed:
            return len(self._items)
