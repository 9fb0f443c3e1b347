"""e06 - Condition variables: a bounded buffer between producers and consumers.

Producers ``put`` items, consumers ``get`` them, oldest first. The buffer
holds at most ``capacity`` items: a producer waits while it is full, a
consumer waits while it is empty. Waiting means sleeping on a
``threading.Condition`` until another thread says something changed, never
spinning in a loop that burns CPU.
"""

from __future__ import annotations

from typing import Any


class BoundedBuffer:
    """A FIFO buffer of at most ``capacity`` items, safe for many producers and consumers."""

    def __init__(self, capacity: int) -> None:
        """``capacity < 1`` raises ``ValueError``."""
        # TODO: check capacity; create the storage, a lock and the condition(s) on it.
        raise NotImplementedError("BoundedBuffer is not written yet: see README.md")

    def put(self, item: Any, timeout: float | None = None) -> None:
        """Append ``item``; wait while the buffer is full.

        ``timeout`` is in seconds (``None``: wait as long as it takes). If the
        buffer is still full when it passes, raise ``TimeoutError``. A timeout
        <= 0 tries once without waiting.
        """
        # TODO: wait (in a loop!) until there is room, append, wake a consumer.
        raise NotImplementedError("put is not written yet: see README.md")

    def get(self, timeout: float | None = None) -> Any:
        """Remove and return the oldest item; wait while the buffer is empty.

        Same ``timeout`` rules as ``put``: ``TimeoutError`` if still empty when it passes.
        """
        # TODO: wait (in a loop!) until there is an item, take it, wake a producer.
        raise NotImplementedError("get is not written yet: see README.md")

    def __len__(self) -> int:
        """How many items the buffer holds right now."""
        # TODO
        raise NotImplementedError("__len__ is not written yet: see README.md")
