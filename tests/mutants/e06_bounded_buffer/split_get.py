# rejects: test_check_and_act_in_one_critical_section, test_woken_threads_recheck, test_no_lost_wakeup
"""get checks for an item in one critical section and takes it in another: two consumers both pass the check."""

from __future__ import annotations

import threading
from collections import deque
from typing import Any


def _wait_time(timeout: float | None) -> float | None:
    """``None`` waits forever; a timeout <= 0 means "try once, don't wait"."""
    return None if timeout is None else max(0.0, timeout)


class BoundedBuffer:
    """Holds at most ``capacity`` items; ``put`` blocks while full, ``get`` while empty.

    One lock, two conditions: producers wait on ``_not_full``, consumers on
    ``_not_empty``, so a ``notify`` always wakes a thread of the right kind.
    Each wait sits in a loop (``wait_for``): a woken thread re-checks, because
    another thread may have taken the slot or the item first.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        self._capacity = capacity
        self._items: deque[Any] = deque()
        lock = threading.Lock()
        self._not_full = threading.Condition(lock)
        self._not_empty = threading.Condition(lock)

    def put(self, item: Any, timeout: float | None = None) -> None:
        """Append ``item``, waiting while the buffer is full; ``TimeoutError`` if it stays full."""
        with self._not_full:
            if not self._not_full.wait_for(self._has_room, _wait_time(timeout)):
                raise TimeoutError(f"the buffer stayed full for {timeout} s")
            self._items.append(item)
            self._not_empty.notify()

    def get(self, timeout: float | None = None) -> Any:
        """Remove the oldest item, waiting while the buffer is empty; ``TimeoutError`` if it stays empty."""
        with self._not_empty:
            if not self._not_empty.wait_for(self._has_item, _wait_time(timeout)):
                raise TimeoutError(f"the buffer stayed empty for {timeout} s")
        with self._not_empty:  # the check above and the take below: two critical sections
            item = self._items.popleft()
            self._not_full.notify()
            return item

    def _has_room(self) -> bool:
        return len(self._items) < self._capacity

    def _has_item(self) -> bool:
        return bool(self._items)

    def __len__(self) -> int:
        with self._not_empty:
            return len(self._items)
