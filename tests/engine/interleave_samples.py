"""Code under test for test_interleave*.py, imported before any exploration.

Names bound at import time (``from threading import Lock``, a module-level
lock) must not escape the explorer's control.
"""

import threading
from threading import Lock, Thread
from time import sleep

GLOBAL_LOCK = threading.Lock()  # a real lock created at import time
count = 0


def bump_global(_state=None):
    global count
    with GLOBAL_LOCK:
        tmp = count
        count = tmp + 1


class Account:
    def __init__(self):
        self.balance = 0
        self.lock = Lock()  # `Lock` was bound at import time

    def deposit(self, amount):
        with self.lock:
            b = self.balance
            sleep(0)
            self.balance = b + amount


SHARED = Account()  # created before any exploration: its lock is real


def dine(n, meals, eating=None, ordered=False):
    """n philosophers, each taking the left fork then the right (or the lower-numbered first)."""
    forks = [Lock() for _ in range(n)]
    eating = eating if eating is not None else set()

    def philosopher(i):
        first, second = i, (i + 1) % n
        if ordered and second < first:
            first, second = second, first
        for _ in range(meals):
            with forks[first], forks[second]:
                eating.add(i)
                eating.discard(i)

    threads = [Thread(target=philosopher, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


class Worker(Thread):
    """A Thread subclass defined at import time."""

    def __init__(self, box):
        super().__init__()
        self.box = box

    def run(self):
        tmp = self.box.value
        self.box.value = tmp + 1


class Tally:
    """A lock stored as a class attribute at import: every instance shares it."""

    _lock = threading.Lock()

    def __init__(self):
        self.n = 0

    def bump(self):
        with self._lock:
            n = self.n
            self.n = n + 1


class Slot:
    """A one-slot buffer with a single condition for 'not full' and 'not empty'."""

    def __init__(self):
        self.items = []
        self.cond = threading.Condition()

    def wake(self, everyone):
        """notify() can wake the wrong kind of waiter when two kinds share one condition."""
        if everyone:
            self.cond.notify_all()
        else:
            self.cond.notify()


def slot_put(s, everyone=False):
    for i in range(2):
        with s.cond:
            while s.items:
                s.cond.wait()
            s.items.append(i)
            s.wake(everyone)


def slot_get(s, everyone=False):
    for _ in range(2):
        with s.cond:
            while not s.items:
                s.cond.wait()
            s.items.pop()
            s.wake(everyone)
