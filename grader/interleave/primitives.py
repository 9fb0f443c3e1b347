"""Modelled synchronisation primitives, installed in place of ``threading``'s.

Each operation is a switch point, and each blocking operation parks the
thread in the scheduler with a predicate, so blocking is visible (that is
how deadlocks and lost wake-ups are detected rather than hung on). Timeouts
use the scheduler's virtual clock. Outside controlled threads (setup and the
invariant run in the explorer's thread) the primitives work without
scheduling but cannot block. Created outside an exploration context (a
thread the explorer does not control), the constructors return the real
primitive instead.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from . import _real
from .codeinfo import user_frame
from .scheduler import HarnessError, Scheduler, ThreadState
from .steps import controlled

_get_ident = _real.get_ident


class Context:
    """The exploration in progress: the current schedule and the explorer's thread."""

    sched: Scheduler | None = None
    explorer: int = 0


def in_context() -> bool:
    ident = _get_ident()
    return ident in controlled or (Context.sched is not None and ident == Context.explorer)


def _current() -> ThreadState | None:
    return controlled.get(_get_ident())


def _deadline(s: Scheduler, timeout: float | None) -> float | None:
    if timeout is None or timeout < 0:
        return None
    return s.vtime + timeout


def _would_block(what: str) -> HarnessError:
    return HarnessError(f"{what} would block outside the controlled threads (in setup or the "
                        "invariant); only worker threads may block")


class _Modelled:
    """Base: registers the object with the schedule and remembers where it was created."""

    _real_factory: Callable[..., Any] = object

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if not in_context():
            return cls._real_factory(*args, **kwargs)
        self = object.__new__(cls)
        s = Context.sched
        ts = _current()
        if ts is not None:
            s = ts.sched
        frame = user_frame(__import__("sys")._getframe(1))
        self._site = (frame.f_code.co_filename, frame.f_lineno) if frame else None
        self._serial = 0
        if s is not None:
            s.objects.append(self)
            self._serial = len(s.objects)
        return self


class Lock(_Modelled):
    """threading.Lock: also remembers its owner so deadlock stories can say who holds it."""


    def __init__(self) -> None:
        self._locked = False
        self._owner: ThreadState | None = None

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        ts = _current()
        if ts is None:
            if not self._locked:
                self._locked = True
                return True
            if not blocking:
                return False
            raise _would_block("acquiring a held lock")
        s = ts.sched
        s.point(ts, self)
        if self._locked:
            if not blocking:
                s.note(ts, "try", self, "tried and failed to acquire")
                return False
            s.note(ts, "wait-lock", self, "waits for", self._owner)
            if not s.block(ts, lambda: not self._locked, _deadline(s, timeout), ("waits for", self)):
                s.note(ts, "timeout", self, "timed out waiting for")
                return False
        self._locked = True
        self._owner = ts
        s.note(ts, "acquire", self, "acquired")
        return True

    def release(self) -> None:
        ts = _current()
        if ts is not None:
            ts.sched.point(ts, self)
        if not self._locked:
            raise RuntimeError("release unlocked lock")
        self._locked = False
        self._owner = None
        if ts is not None:
            ts.sched.note(ts, "release", self, "released")

    def locked(self) -> bool:
        ts = _current()
        if ts is not None:
            ts.sched.point(ts, self)
        return self._locked

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    acquire_lock = acquire
    release_lock = release

    # Used by Condition.
    def _is_owned(self, ts: ThreadState | None) -> bool:
        return self._locked and (ts is None or self._owner is ts)

    def _release_save(self) -> Any:
        self._locked = False
        self._owner = None
        return None

    def _acquire_restore(self, ts: ThreadState | None, saved: Any) -> None:
        if ts is not None:
            ts.sched.strategy.touch(("o", id(self)))
        if ts is not None and self._locked:
            ts.sched.note(ts, "wait-lock", self, "waits to re-acquire", self._owner)
            ts.sched.block(ts, lambda: not self._locked, None, ("waits for", self))
        self._locked = True
        self._owner = ts

    def __repr__(self) -> str:
        return f"<modelled Lock #{self._serial} {'locked' if self._locked else 'unlocked'}>"


class RLock(Lock):
    """threading.RLock: re-entrant for its owner."""


    def __init__(self) -> None:
        super().__init__()
        self._count = 0

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        ts = _current()
        if ts is not None and self._owner is ts:
            ts.sched.point(ts, self)
            self._count += 1
            return True
        if ts is None and self._locked and self._owner is None:
            self._count += 1
            return True
        ok = super().acquire(blocking, timeout)
        if ok:
            self._count = 1
        return ok

    def release(self) -> None:
        ts = _current()
        if ts is not None:
            ts.sched.point(ts, self)
        if not self._locked or (ts is not None and self._owner is not ts):
            raise RuntimeError("cannot release un-acquired lock")
        self._count -= 1
        if self._count == 0:
            self._locked = False
            self._owner = None
            if ts is not None:
                ts.sched.note(ts, "release", self, "released")

    def _release_save(self) -> Any:
        saved = self._count
        self._count = 0
        self._locked = False
        self._owner = None
        return saved

    def _acquire_restore(self, ts: ThreadState | None, saved: Any) -> None:
        super()._acquire_restore(ts, saved)
        self._count = saved

    def __repr__(self) -> str:
        return f"<modelled RLock #{self._serial} count={self._count}>"


class _Waiter:
    __slots__ = ("ts", "notified")

    def __init__(self, ts: ThreadState):
        self.ts = ts
        self.notified = False


class Condition(_Modelled):
    """threading.Condition with FIFO notification (like CPython's)."""


    def __init__(self, lock: Any = None) -> None:
        self._lock = lock if lock is not None else RLock()
        self._waiters: list[_Waiter] = []

    def acquire(self, *args: Any, **kwargs: Any) -> bool:
        return self._lock.acquire(*args, **kwargs)

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> bool:
        return self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()

    def _check_owned(self, ts: ThreadState | None, what: str) -> None:
        if not self._lock._is_owned(ts):
            raise RuntimeError(f"cannot {what} on un-acquired lock")

    def wait(self, timeout: float | None = None) -> bool:
        ts = _current()
        if ts is None:
            raise _would_block("Condition.wait()")
        s = ts.sched
        self._check_owned(ts, "wait")
        s.point(ts, self)
        s.strategy.touch(("o", id(self._lock)))
        waiter = _Waiter(ts)
        self._waiters.append(waiter)
        saved = self._lock._release_save()
        s.note(ts, "wait", self, "waits on")
        ok = s.block(ts, lambda: waiter.notified, _deadline(s, timeout), ("waits on", self))
        if ok:
            s.note(ts, "woke", self, "woke up, notified via")
        else:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            s.note(ts, "timeout", self, "timed out waiting on")
        self._lock._acquire_restore(ts, saved)
        return ok

    def wait_for(self, predicate: Callable[[], Any], timeout: float | None = None) -> Any:
        ts = _current()
        if ts is None:
            result = predicate()
            if not result:
                raise _would_block("Condition.wait_for()")
            return result
        s = ts.sched
        endtime = None
        waittime = timeout
        result = predicate()
        while not result:
            if waittime is not None:
                if endtime is None:
                    endtime = s.vtime + waittime
                else:
                    waittime = endtime - s.vtime
                    if waittime <= 0:
                        break
            self.wait(waittime)
            result = predicate()
        return result

    def notify(self, n: int = 1) -> None:
        ts = _current()
        self._check_owned(ts, "notify")
        if ts is not None:
            ts.sched.point(ts, self)
        woken = []
        while self._waiters and len(woken) < n:
            w = self._waiters.pop(0)
            w.notified = True
            woken.append(w.ts.name)
        if ts is not None:
            who = ", ".join(woken) if woken else "nobody (no thread was waiting)"
            ts.sched.note(ts, "notify", self, "notified", who)

    def notify_all(self) -> None:
        self.notify(len(self._waiters) or 1)

    notifyAll = notify_all  # noqa: N815 - the stdlib alias

    def __repr__(self) -> str:
        return f"<modelled Condition #{self._serial} waiters={len(self._waiters)}>"


class Semaphore(_Modelled):
    """threading.Semaphore."""


    def __init__(self, value: int = 1) -> None:
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._value = value

    def acquire(self, blocking: bool = True, timeout: float | None = None) -> bool:
        ts = _current()
        if ts is None:
            if self._value > 0:
                self._value -= 1
                return True
            if not blocking:
                return False
            raise _would_block("Semaphore.acquire()")
        s = ts.sched
        s.point(ts, self)
        if self._value == 0:
            if not blocking:
                return False
            s.note(ts, "wait-sem", self, "waits on")
            if not s.block(ts, lambda: self._value > 0, _deadline(s, timeout), ("waits on", self)):
                s.note(ts, "timeout", self, "timed out waiting on")
                return False
        self._value -= 1
        s.note(ts, "acquire", self, "acquired", self._value)
        return True

    def release(self, n: int = 1) -> None:
        ts = _current()
        if ts is not None:
            ts.sched.point(ts, self)
        self._release(n)
        if ts is not None:
            ts.sched.note(ts, "release", self, "released", self._value)

    def _release(self, n: int) -> None:
        self._value += n

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<modelled Semaphore #{self._serial} value={self._value}>"


class BoundedSemaphore(Semaphore):
    """threading.BoundedSemaphore: releasing above the initial value is an error."""


    def __init__(self, value: int = 1) -> None:
        super().__init__(value)
        self._initial = value

    def _release(self, n: int) -> None:
        if self._value + n > self._initial:
            raise ValueError("Semaphore released too many times")
        self._value += n


class Event(_Modelled):
    """threading.Event."""


    def __init__(self) -> None:
        self._flag = False

    def is_set(self) -> bool:
        ts = _current()
        if ts is not None:
            ts.sched.point(ts, self)
        return self._flag

    isSet = is_set  # noqa: N815 - the stdlib alias

    def set(self) -> None:
        ts = _current()
        if ts is not None:
            ts.sched.point(ts, self)
            ts.sched.note(ts, "set", self, "set")
        self._flag = True

    def clear(self) -> None:
        ts = _current()
        if ts is not None:
            ts.sched.point(ts, self)
            ts.sched.note(ts, "clear", self, "cleared")
        self._flag = False

    def wait(self, timeout: float | None = None) -> bool:
        ts = _current()
        if ts is None:
            if self._flag:
                return True
            raise _would_block("Event.wait()")
        s = ts.sched
        s.point(ts, self)
        if not self._flag:
            s.note(ts, "wait", self, "waits on")
            if not s.block(ts, lambda: self._flag, _deadline(s, timeout), ("waits on", self)):
                s.note(ts, "timeout", self, "timed out waiting on")
                return False
            s.note(ts, "woke", self, "woke up, set:")
        return True

    def __repr__(self) -> str:
        return f"<modelled Event #{self._serial} {'set' if self._flag else 'unset'}>"


class Barrier(_Modelled):
    """threading.Barrier (raises the real threading.BrokenBarrierError)."""


    def __init__(self, parties: int, action: Callable[[], Any] | None = None,
                 timeout: float | None = None) -> None:
        if parties < 1:
            raise ValueError("parties must be >= 1")
        self._parties = parties
        self._action = action
        self._timeout = timeout
        self._count = 0
        self._gen = 0
        self._broken = False
        self._reset_gens: set[int] = set()

    def wait(self, timeout: float | None = None) -> int:
        ts = _current()
        if ts is None:
            raise _would_block("Barrier.wait()")
        s = ts.sched
        s.point(ts, self)
        if self._broken:
            raise threading.BrokenBarrierError
        gen = self._gen
        index = self._count
        self._count += 1
        if self._count == self._parties:
            s.note(ts, "barrier", self, "arrived last at")
            try:
                if self._action is not None:
                    self._action()
            except BaseException:
                self._broken = True
                raise
            self._count = 0
            self._gen += 1
            return index
        s.note(ts, "wait", self, "waits at")
        if timeout is None:
            timeout = self._timeout
        ok = s.block(ts, lambda: self._gen != gen or self._broken, _deadline(s, timeout),
                     ("waits at", self))
        if not ok:
            self._broken = True
            s.note(ts, "timeout", self, "timed out at")
            raise threading.BrokenBarrierError
        if self._gen == gen or gen in self._reset_gens:  # broken or reset while waiting
            raise threading.BrokenBarrierError
        return index

    def abort(self) -> None:
        ts = _current()
        if ts is not None:
            ts.sched.point(ts, self)
        self._broken = True

    def reset(self) -> None:
        ts = _current()
        if ts is not None:
            ts.sched.point(ts, self)
        if self._count:
            self._reset_gens.add(self._gen)  # its waiters wake up and raise
        self._gen += 1
        self._count = 0
        self._broken = False

    @property
    def parties(self) -> int:
        return self._parties

    @property
    def n_waiting(self) -> int:
        return self._count

    @property
    def broken(self) -> bool:
        return self._broken


# ----------------------------------------------------------------- time
class Clock:
    """Virtual time inside an exploration: starts at the real time of the exploration."""

    mono0 = 0.0
    wall0 = 0.0
    perf0 = 0.0


def _vtime() -> float | None:
    ts = _current()
    if ts is not None:
        return ts.sched.vtime
    if Context.sched is not None and _get_ident() == Context.explorer:
        return Context.sched.vtime
    return None


def sleep(secs: float) -> None:
    ts = _current()
    if ts is None:
        if Context.sched is not None and _get_ident() == Context.explorer:
            Context.sched.vtime += max(0.0, secs)
            return
        _real.sleep(secs)
        return
    s = ts.sched
    s.point(ts)
    if secs > 0:
        s.note(ts, "sleep", None, f"sleeps {secs:g} s")
        s.block(ts, lambda: False, s.vtime + secs, ("sleeps", None))


def monotonic() -> float:
    v = _vtime()
    return _real.monotonic() if v is None else Clock.mono0 + v


def monotonic_ns() -> int:
    v = _vtime()
    return _real.monotonic_ns() if v is None else int((Clock.mono0 + v) * 1e9)


def perf_counter() -> float:
    v = _vtime()
    return _real.perf_counter() if v is None else Clock.perf0 + v


def perf_counter_ns() -> int:
    v = _vtime()
    return _real.perf_counter_ns() if v is None else int((Clock.perf0 + v) * 1e9)


def wall_time() -> float:
    v = _vtime()
    return _real.wall_time() if v is None else Clock.wall0 + v


def wall_time_ns() -> int:
    v = _vtime()
    return _real.wall_time_ns() if v is None else int((Clock.wall0 + v) * 1e9)


# ---------------------------------------------------------------- threads
def thread_start(self: threading.Thread) -> None:
    """Patched ``Thread.start``: threads started in an exploration are controlled too."""
    ts = _current()
    s = ts.sched if ts is not None else (
        Context.sched if _get_ident() == Context.explorer else None)
    if s is None:
        return _ORIG["start"](self)
    if self in s.by_thread or getattr(self, "_cl_started", False):
        raise RuntimeError("threads can only be started once")
    if ts is not None:
        s.point(ts, self)
    self._cl_started = True  # type: ignore[attr-defined]
    started = getattr(self, "_started", None)
    if started is not None:
        started._flag = True
    new = s.spawn(self, self.run)
    if ts is not None:
        s.note(ts, "start", new, "started thread")
    return None


def thread_join(self: threading.Thread, timeout: float | None = None) -> None:
    """Patched ``Thread.join``: joining a controlled thread blocks in the scheduler."""
    ts = _current()
    s = ts.sched if ts is not None else (
        Context.sched if _get_ident() == Context.explorer else None)
    target = s.by_thread.get(self) if s is not None else None
    if target is None:
        return _ORIG["join"](self, timeout)
    if ts is None:
        if target.status != "finished":
            raise _would_block("Thread.join()")
        return None
    if target is ts:
        raise RuntimeError("cannot join current thread")
    s.point(ts, target)
    if target.status != "finished":
        s.note(ts, "wait-join", target, "waits for thread")
        if not s.block(ts, lambda: target.status == "finished", _deadline(s, timeout),
                       ("waits for thread", target)):
            s.note(ts, "timeout", target, "timed out joining")
            return None
    s.note(ts, "join", target, "joined thread")
    return None


def thread_is_alive(self: threading.Thread) -> bool:
    ts = _current()
    s = ts.sched if ts is not None else Context.sched
    target = s.by_thread.get(self) if s is not None else None
    if target is None:
        return _ORIG["is_alive"](self)
    if ts is not None:
        s.point(ts, target)
    return target.status != "finished"


_ORIG: dict[str, Any] = {
    "start": threading.Thread.start,
    "join": threading.Thread.join,
    "is_alive": threading.Thread.is_alive,
}


# ---------------------------------------------------------------- queue.SimpleQueue
class SimpleQueue(_Modelled, _real.Queue):  # type: ignore[misc]
    """queue.SimpleQueue on top of the modelled Queue (the real one is C, unmodelled)."""

    def __init__(self) -> None:
        _real.Queue.__init__(self, 0)

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        _real.Queue.put(self, item, block, timeout)


# ---------------------------------------------------------------- declarations
Twin = Callable[[Any], Callable[[], Any] | None]


@dataclass(frozen=True)
class Declared:
    """One real name the explorer replaces for an exploration, and how: the only place to add one.

    ``model`` replaces ``module.name`` (None: the name stays, e.g. the pure-Python
    ``queue.Queue``, built on the patched ``threading``); ``aliases`` are other real
    objects a module may have bound at import for the same thing; real instances
    of ``instances`` used by code under test are its error (they would block unseen);
    ``twin(obj)`` makes a modelled twin of a real instance bound at import (None if
    it cannot, e.g. a lock already held).
    """

    module: ModuleType
    name: str
    model: Any
    aliases: tuple[Any, ...] = ()
    instances: type | None = None
    twin: Twin | None = None

    @property
    def real(self) -> Any:
        return _real.captured(self.module, self.name)


def _twin_lock(obj: Any) -> Callable[[], Any] | None:
    return None if obj.locked() else Lock


def _twin_rlock(obj: Any) -> Callable[[], Any] | None:
    return None if repr(obj).startswith("<locked") else RLock


def _twin_semaphore(obj: Any) -> Callable[[], Any]:
    value = obj._value
    if isinstance(obj, _real.captured(threading, "BoundedSemaphore")):
        initial = obj._initial_value

        def bounded() -> Any:
            sem = BoundedSemaphore(initial)
            sem._value = value
            return sem
        return bounded
    return lambda: Semaphore(value)


def _twin_event(obj: Any) -> Callable[[], Any]:
    flag = obj.is_set()

    def event() -> Any:
        ev = Event()
        ev._flag = flag
        return ev
    return event


def _twin_barrier(obj: Any) -> Callable[[], Any]:
    parties, action, timeout = obj.parties, obj._action, obj._timeout
    return lambda: Barrier(parties, action, timeout)


def _twin_queue(obj: Any) -> Callable[[], Any] | None:
    if type(obj) is not _real.Queue or not isinstance(getattr(obj, "mutex", None), _real.LockType):
        return None
    maxsize, items = obj.maxsize, list(obj.queue)

    def fresh_queue() -> Any:
        q = _real.Queue(maxsize)  # its mutex and conditions are made by the modelled threading
        q.queue.extend(items)
        q.unfinished_tasks = len(items)
        return q
    return fresh_queue


DECLARED: tuple[Declared, ...] = (
    Declared(threading, "Lock", Lock, aliases=(_real.allocate_lock,), instances=_real.LockType,
             twin=_twin_lock),
    Declared(threading, "RLock", RLock, instances=_real.RLockType, twin=_twin_rlock),
    Declared(threading, "Condition", Condition, instances=_real.Condition,
             twin=lambda obj: Condition),
    # BoundedSemaphore is a Semaphore: one twin maker serves both.
    Declared(threading, "Semaphore", Semaphore, instances=_real.Semaphore, twin=_twin_semaphore),
    Declared(threading, "BoundedSemaphore", BoundedSemaphore),
    Declared(threading, "Event", Event, instances=_real.Event, twin=_twin_event),
    Declared(threading, "Barrier", Barrier, instances=_real.Barrier, twin=_twin_barrier),
    Declared(queue, "SimpleQueue", SimpleQueue, instances=_real.SimpleQueue),
    Declared(queue, "Queue", None, twin=_twin_queue),
    Declared(time, "sleep", sleep),
    Declared(time, "monotonic", monotonic),
    Declared(time, "monotonic_ns", monotonic_ns),
    Declared(time, "perf_counter", perf_counter),
    Declared(time, "perf_counter_ns", perf_counter_ns),
    Declared(time, "time", wall_time),
    Declared(time, "time_ns", wall_time_ns),
    Declared(queue, "time", monotonic),  # queue.py's ``from time import monotonic as time``
)

#: Types whose instances, made outside an exploration, are real primitives.
REAL_TYPES: tuple[type, ...] = tuple(d.instances for d in DECLARED if d.instances is not None)

for _d in DECLARED:  # outside an exploration, a modelled constructor returns the real thing
    if isinstance(_d.model, type) and issubclass(_d.model, _Modelled):
        _d.model._real_factory = _d.real
