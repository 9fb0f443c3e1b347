"""Threads stuck the way real programs get stuck, started inside e19's subject.

The hidden tests copy this file into the subject's own TMPDIR and import it
from there (``helper_loader.py``), because a thread dump reads the source of
every frame it shows and an honest submission must be able to do that.  Each
function starts its threads, waits until they are about to block, and returns;
the comments ``# stuck: NAME`` and ``# frame: NAME`` mark the lines a dump must show.
"""

from __future__ import annotations

import threading


def _start(name: str, target) -> None:
    threading.Thread(target=target, name=name, daemon=True).start()


def lock_order_deadlock(tag: str) -> bool:
    """Two tellers take the same two locks in opposite orders: each holds one, waits for the other."""
    a, b = threading.Lock(), threading.Lock()
    both_hold_one = threading.Barrier(2)
    about_to_block = threading.Barrier(3)

    def transfer_a_to_b() -> None:
        with a:
            both_hold_one.wait()
            about_to_block.wait()
            b.acquire()  # stuck: transfer_a_to_b

    def transfer_b_to_a() -> None:
        with b:
            both_hold_one.wait()
            about_to_block.wait()
            a.acquire()  # stuck: transfer_b_to_a

    _start(f"teller-one-{tag}", transfer_a_to_b)
    _start(f"teller-two-{tag}", transfer_b_to_a)
    about_to_block.wait(5.0)
    return True


def nested_wait(tag: str) -> bool:
    """outer() calls middle() calls inner(), which waits for an event nobody sets."""
    never = threading.Event()
    about_to_block = threading.Event()

    def outer() -> None:
        middle()  # frame: outer

    def middle() -> None:
        inner()  # frame: middle

    def inner() -> None:
        about_to_block.set()
        never.wait()  # frame: inner

    _start(f"nested-{tag}", outer)
    return about_to_block.wait(5.0)


def lost_wakeup(tag: str) -> bool:
    """The producer notifies before the consumer waits, and the consumer waits without a predicate."""
    items: list[str] = []
    ready = threading.Condition()
    notified = threading.Event()
    about_to_block = threading.Event()

    def producer() -> None:
        with ready:
            items.append("job")
            ready.notify()  # nobody is waiting yet: this wake-up is lost
        notified.set()

    def consumer() -> None:
        notified.wait()
        with ready:
            about_to_block.set()
            ready.wait()  # stuck: consumer

    _start(f"consumer-{tag}", consumer)
    _start(f"producer-{tag}", producer)
    return about_to_block.wait(5.0)
