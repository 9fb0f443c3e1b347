"""What the explorer records: the controlled threads, and one ``Step`` per event of a schedule.

Both the scheduler (which records) and the tracer (which asks "is this thread
controlled?") depend on this module, and it on neither: no import cycle.
"""

from __future__ import annotations

from typing import Any, NamedTuple

#: OS thread ident -> its ThreadState, for every thread a schedule controls now.
controlled: dict[int, Any] = {}


class Step(NamedTuple):
    """One event of a schedule, as the story tells it."""

    tid: int  # the thread (index into the schedule's threads)
    filename: str  # where in the code under test ("" when nowhere, e.g. a thread's end)
    line: int
    kind: str  # read, write, acquire, release, wait, woke, notify, finish, exception, ...
    obj: Any  # what it acted on: a modelled primitive, an object, a globals dict, a thread
    text: str  # the verb ("acquired") or, for read/write, the attribute's name
    value: Any = None  # the value read or written, a primitive's new value, or who was woken

    @property
    def key(self) -> tuple[int, str]:
        """The shared location of a read or write: (id of the object, attribute name)."""
        return (id(self.obj), self.text)
