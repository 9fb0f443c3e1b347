"""An ``int`` that makes two threads meet inside their critical sections.

Hidden tests pass a ``MeetingAmount`` through the public API (an increment, a
transfer). Adding it to one of the known ``values`` is what a thread does while
it holds its lock, so under the explorer both threads get past ``barrier`` only
if both are inside at once: a shared lock shows up as a deadlock, every time.
"""

from __future__ import annotations

from typing import Any


class MeetingAmount(int):
    barrier: Any = None
    values: tuple[int, ...] = ()

    def _meet(self, other: Any) -> int:
        if other in self.values:
            self.barrier.wait()
        return int(self)

    def __radd__(self, other: Any) -> int:
        return other + self._meet(other)

    def __add__(self, other: Any) -> int:
        return self._meet(other) + other
