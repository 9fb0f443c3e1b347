"""The cooperative scheduler: exactly one controlled thread runs at a time.

Every controlled thread is a real OS thread parked on its own real lock (its
"baton") whenever it is not its turn. At each switch point the running
thread asks the strategy who runs next and, if that is someone else, hands
the baton over and parks. Blocking operations of the modelled primitives
park the thread with a predicate saying when it may run again, so the
scheduler always knows who is runnable: that is what makes deadlocks and
lost wake-ups visible instead of hanging. Time is virtual: a timed wait
expires only when no thread can run, and then the clock jumps to the
earliest deadline.

When a schedule ends early (deadlock, livelock, harness error) its threads
stay parked until the explorer reclaims them, one at a time: a reclaimed
thread raises ``Abort`` at every switch point it reaches (instructions of
code under test, loop back-edges, modelled primitive calls; a blocking call
raises instead of blocking), so even ``while True: try: ... except
BaseException: pass`` unwinds, and the thread's wrapper lets it exit. No
student code runs while the schedule is live, so a bare ``except:`` cannot
swallow the abort; a thread that does not unwind in time (stuck in a real C
call) is given up on ("leaked") and parks for good at its next switch point.
"""

from __future__ import annotations

import builtins
import reprlib
import sys
import threading
from collections import deque
from collections.abc import Callable
from types import FrameType
from typing import Any

from . import _real, tracing
from .codeinfo import CHECK, Missing, Op, evaluate, user_frame
from .steps import Step, controlled

#: ``point(ts, obj)`` without an object: the step may touch anything.
OPAQUE: Any = object()
#: ``point(ts, BY_CALLER)``: the caller records what the step touches.
BY_CALLER: Any = object()
_MUTABLE_TOUCH = (list, dict, set, bytearray, deque)
#: Exact types whose methods change only the container itself (and call no hidden code).
_CONTAINERS = frozenset({list, dict, set, bytearray, deque, str, bytes, tuple, int, frozenset})
#: Builtins that change none of their arguments.
_PURE_BUILTINS = {name: getattr(builtins, name) for name in (
    "range", "len", "isinstance", "issubclass", "min", "max", "abs", "sum", "enumerate", "zip",
    "print", "int", "str", "float", "bool", "tuple", "list", "dict", "set", "frozenset", "repr",
    "hash", "id", "type", "sorted", "reversed", "any", "all", "divmod", "round",
)}
_MISSING = object()


_CALLS = frozenset({"CALL", "CALL_KW", "CALL_FUNCTION_EX"})
_SUBSCRIPTS = frozenset({"BINARY_SUBSCR", "STORE_SUBSCR", "DELETE_SUBSCR", "BINARY_SLICE",
                         "STORE_SLICE"})


class HarnessError(Exception):
    """The exploration itself could not go on (never a student failure)."""


#: Values a step records by their repr at that moment (they may change after it).
_MUTABLE = (list, dict, set, bytearray, deque)
_repr = reprlib.Repr()
_repr.maxother = 40


class Shown:
    """The repr of a mutable value when a step read or wrote it (the story shows this)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Shown) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def snapshot(ts: ThreadState, value: Any) -> Any:
    """``value`` itself, or for a mutable container its repr now (no switch points inside)."""
    if not isinstance(value, _MUTABLE):
        return value
    busy, ts.busy = ts.busy, True
    try:
        return Shown(_repr.repr(value))
    except Exception:  # noqa: BLE001 - an element's __repr__ may raise
        return Shown(f"<{type(value).__name__}>")
    finally:
        ts.busy = busy


class Abort(BaseException):  # noqa: N818 - not an error: it unwinds a thread of an ended schedule
    """Raised in a reclaimed thread at every switch point until its wrapper catches it."""

    def __del__(self) -> None:
        """Dropped by a handler that swallowed it: this call lets a dying thread's profile
        function re-install the tracer (3.11), so the next back-edge raises again."""


def park_forever() -> None:
    """Block this OS thread for good without running any more Python code of the student."""
    lock = _real.allocate_lock()
    lock.acquire()
    while True:
        lock.acquire()


class ThreadState:
    """What the scheduler knows about one controlled thread."""

    __slots__ = (
        "tid", "name", "thread", "sched", "baton", "status", "pred", "deadline",
        "timed_out", "waiting", "ident", "pending", "busy", "target", "exc", "gone", "leaked",
        "call_frame",
    )

    def __init__(self, sched: Scheduler, tid: int, thread: threading.Thread,
                 target: Callable[[], Any]):
        self.tid = tid
        self.name = thread.name
        self.thread = thread
        self.sched = sched
        self.baton = _real.allocate_lock()
        self.baton.acquire()
        self.status = "runnable"  # runnable | blocked | finished
        self.pred: Callable[[], bool] | None = None
        self.deadline: float | None = None
        self.timed_out = False
        self.waiting: tuple[str, Any] | None = None  # (verb, object) while blocked
        self.ident = 0
        self.pending: list[Any] | None = None  # a write whose value is known after it runs
        self.busy = False
        self.target = target
        self.exc: BaseException | None = None
        self.gone = _real.allocate_lock()  # released when the OS thread is about to exit
        self.gone.acquire()
        self.leaked = False  # given up on by the reclaim: parks for good instead of unwinding
        self.call_frame: FrameType | None = None  # a CALL step: opaque if it returns unseen

    def __repr__(self) -> str:
        return f"<{self.name} {self.status}>"


class Scheduler:
    """One schedule: runs the controlled threads under a strategy."""

    def __init__(self, strategy: Any, max_steps: int, predicate: Callable[[Any], Any] | None = None,
                 state: Any = None, real_types: tuple[type, ...] = ()) -> None:
        self.strategy = strategy
        #: Real primitives made outside the exploration: code under test must not use them.
        self.real_types = real_types
        self.max_steps = max_steps
        self.predicate = predicate
        self.state = state
        self.threads: list[ThreadState] = []
        self.by_thread: dict[threading.Thread, ThreadState] = {}
        self.current: ThreadState | None = None
        self.steps = 0
        self.vtime = 0.0
        self.verdict: str | None = None
        self.message = ""
        self.detail: dict[str, Any] = {}
        self.events: list[Step] = []
        self.witness_at: int | None = None
        self.witness_step = 0
        self.closed = False
        self.done = _real.allocate_lock()
        self.done.acquire()
        self.name_counter = 0
        self.objects: list[Any] = []  # modelled primitives created in this schedule
        self.snapshot: Callable[[Scheduler], None] | None = None  # names objects at a witness
        self.names_snapshot: dict[int, str] | None = None

    # ----------------------------------------------------------------- threads
    def spawn(self, thread: threading.Thread, target: Callable[[], Any]) -> ThreadState:
        """Register a controlled thread and start its OS thread (parked until chosen)."""
        ts = ThreadState(self, len(self.threads), thread, target)
        self.threads.append(ts)
        self.by_thread[thread] = ts
        self.strategy.new_thread(ts)
        _real.start_new_thread(self._bootstrap, (ts,))
        return ts

    def _bootstrap(self, ts: ThreadState) -> None:
        ts.ident = _real.get_ident()
        thread = ts.thread
        thread._ident = ts.ident  # type: ignore[attr-defined]
        if hasattr(thread, "_set_native_id"):
            thread._set_native_id()  # type: ignore[attr-defined]
        threading._active[ts.ident] = thread  # type: ignore[attr-defined]
        controlled[ts.ident] = ts
        tracing.thread_started()
        ts.baton.acquire()
        try:
            if not self.closed:
                self._run(ts)
        except BaseException:  # noqa: BLE001, S110 - an unwinding thread just exits
            pass
        finally:
            if ts.status != "finished":
                self._exit_thread(ts)
            ts.gone.release()

    def _run(self, ts: ThreadState) -> None:
        try:
            ts.target()
        except Abort:
            return
        except BaseException as exc:  # noqa: BLE001 - every exception is a finding
            if self.closed:
                return
            ts.exc = exc
            if self.verdict is None:
                self.verdict = "failed"
                self.message = f"{type(exc).__name__} in thread {ts.name}: {exc}"
                self.detail = {"kind": "exception", "thread": ts.name}
                self.note_exception(ts, exc)
        if self.closed:
            return
        ts.busy = True
        self.fill_pending(ts)
        if ts.call_frame is not None:
            self.strategy.opaque()
        self.strategy.touch(("o", id(ts)))
        self.note(ts, "finish", None, "finished", frame=None)
        ts.status = "finished"
        self._exit_thread(ts)
        self._schedule(ts)

    def _exit_thread(self, ts: ThreadState) -> None:
        tracing.thread_finished()
        controlled.pop(ts.ident, None)
        threading._active.pop(ts.ident, None)  # type: ignore[attr-defined]

    def start(self) -> None:
        """Give the first turn (called by the explorer thread)."""
        enabled = [t for t in self.threads if t.status == "runnable"]
        if not enabled:
            self._end(None)
            return
        nxt = self.strategy.choose(enabled, None)
        self.current = nxt
        nxt.baton.release()

    # ------------------------------------------------------------ switch points
    def point(self, ts: ThreadState, obj: Any = OPAQUE) -> None:
        """A switch point in the running thread ``ts``; its next step touches ``obj``."""
        if self.closed:
            self.die(ts)
        ts.busy = True
        self.steps += 1
        if self.steps > self.max_steps:
            self._end("livelock", f"no end after {self.max_steps} steps (step budget exceeded)",
                      {"kind": "livelock"})
            self._abandon(ts)
        if self.predicate is not None and self.witness_at is None:
            try:
                found = self.predicate(self.state)
            except Exception:  # noqa: BLE001 - a half-updated state may not satisfy it
                found = False
            if found:
                self.witness_at = len(self.events)
                self.witness_step = self.steps
                if self.snapshot is not None:
                    self.snapshot(self)
        self._schedule(ts)
        if obj is not BY_CALLER:
            ts.call_frame = None
            if obj is OPAQUE:
                self.strategy.opaque()
            else:
                self.strategy.touch(("o", id(obj)))
        ts.busy = False

    def block(self, ts: ThreadState, pred: Callable[[], bool], deadline: float | None,
              waiting: tuple[str, Any]) -> bool:
        """Park ``ts`` until ``pred()`` holds (True) or virtual time passes ``deadline`` (False)."""
        if self.closed:
            self.die(ts)
        if pred():
            return True
        ts.status = "blocked"
        ts.pred = pred
        ts.deadline = deadline
        ts.timed_out = False
        ts.waiting = waiting
        busy = ts.busy
        ts.busy = True
        self._schedule(ts)
        ts.busy = busy
        if ts.timed_out or waiting[1] is None:
            self.strategy.opaque()
        else:
            self.strategy.touch(("o", id(waiting[1])))
        ts.status = "runnable"
        ts.pred = None
        ts.waiting = None
        ts.deadline = None
        return not ts.timed_out

    def _enabled(self) -> list[ThreadState]:
        out = []
        for t in self.threads:
            st = t.status
            if st == "runnable" or st == "blocked" and (t.timed_out or t.pred()):
                out.append(t)
        return out

    def _schedule(self, ts: ThreadState) -> None:
        enabled = self._enabled()
        if not enabled:
            timed = [t for t in self.threads if t.status == "blocked" and t.deadline is not None]
            if timed:
                deadline = min(t.deadline for t in timed)  # type: ignore[type-var]
                self.vtime = max(self.vtime, deadline)  # type: ignore[call-overload]
                for t in timed:
                    if t.deadline <= self.vtime:  # type: ignore[operator]
                        t.timed_out = True
                enabled = self._enabled()
            else:
                if all(t.status == "finished" for t in self.threads):
                    self._end(None)
                    return
                self._end_deadlock()
                if ts.status != "finished":
                    self._abandon(ts)
                return
        nxt = self.strategy.choose(enabled, ts)
        if nxt is ts:
            return
        self.current = nxt
        nxt.baton.release()
        if ts.status == "finished":
            _real.sleep(0)  # give the GIL to the next thread now, not at the switch interval
            return
        ts.baton.acquire()
        if self.closed:
            self.die(ts)

    def _end(self, verdict: str | None, message: str = "", detail: dict[str, Any] | None = None
             ) -> None:
        if verdict is not None and self.verdict is None:
            self.verdict = verdict
            self.message = message
            self.detail = detail or {}
        if not self.closed:
            self.closed = True
            self.done.release()

    def harness_error(self, ts: ThreadState | None, message: str) -> None:
        """Stop the schedule as inconclusive; parks the calling controlled thread."""
        self._end("inconclusive", message, {"kind": "harness"})
        if ts is not None:
            self._abandon(ts)

    def _abandon(self, ts: ThreadState) -> None:
        """The running thread ended the schedule: wait for the reclaim, then unwind."""
        ts.baton.acquire()
        self.die(ts)

    def die(self, ts: ThreadState) -> None:
        """A switch point of a thread whose schedule is over: unwind it (or park it for good)."""
        if ts.leaked:
            park_forever()
        ts.busy = False
        tracing.dying()
        raise Abort

    def reclaim(self, budget: float) -> int:
        """Let this ended schedule's threads unwind, one at a time; how many did not (leaked).

        Called by the explorer before anything else runs. A thread that does not
        exit within ``budget`` seconds in all is marked leaked: it parks for good
        at its next switch point.
        """
        end = _real.monotonic() + budget
        leaked = 0
        for ts in self.threads:
            if ts.status == "finished":
                continue
            if not ts.leaked:
                if ts.baton.locked():  # else: already handed over, not yet taken
                    ts.baton.release()
                if ts.gone.acquire(timeout=max(0.0, end - _real.monotonic())):
                    continue
                ts.leaked = True
            leaked += 1
        return leaked

    def _end_deadlock(self) -> None:
        blocked = [t for t in self.threads if t.status == "blocked"]
        waits = []
        for t in blocked:
            verb, obj = t.waiting or ("waits", None)
            owner = getattr(obj, "_owner", None)
            waits.append({"thread": t.tid, "verb": verb, "obj": obj,
                          "owner": owner.tid if isinstance(owner, ThreadState) else None})
        self._end("deadlock", "no thread can run, but not all have finished",
                  {"kind": "deadlock", "waits": waits})

    # ---------------------------------------------------------------- recording
    def note(self, ts: ThreadState, kind: str, obj: Any, text: str, value: Any = None,
             frame: FrameType | None = None, depth: int = 2) -> None:
        """Record a step of the story at the innermost user frame of the caller."""
        if frame is None and kind != "finish":
            frame = user_frame(sys._getframe(depth))
        if frame is not None:
            fn, line = frame.f_code.co_filename, frame.f_lineno
        else:
            fn, line = "", 0
        self.events.append(Step(ts.tid, fn, line, kind, obj, text, value))

    def note_exception(self, ts: ThreadState, exc: BaseException) -> None:
        tb = exc.__traceback__
        fn, line = "", 0
        while tb is not None:
            if tb.tb_frame.f_code.co_filename and user_frame(tb.tb_frame) is tb.tb_frame:
                fn, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
            tb = tb.tb_next
        self.events.append(Step(ts.tid, fn, line, "exception", None,
                                f"raised {type(exc).__name__}: {exc}"))

    def fill_pending(self, ts: ThreadState) -> None:
        """Complete a recorded write with the value it stored (known only after it ran)."""
        p = ts.pending
        if p is None:
            return
        ts.pending = None
        idx, container, key = p
        try:
            value = container[key]
        except Exception:  # noqa: BLE001
            return
        self.events[idx] = self.events[idx]._replace(value=snapshot(ts, value))

    def on_instruction(self, ts: ThreadState, code: Any, op: Op, frame: FrameType) -> None:
        """Called by the tracer before an instruction of code under test runs."""
        if self.closed:
            self.die(ts)
        if ts.pending is not None:
            self.fill_pending(ts)
        if op.kind == CHECK:
            self._check_real(ts, op, frame)
            return
        strategy = self.strategy
        if ts.call_frame is not None:
            if ts.call_frame is frame:  # a call returned without a switch point: C code ran
                strategy.opaque()
            ts.call_frame = None
        # Decide who runs first: what this thread reads is what it sees once it goes on.
        self.point(ts, BY_CALLER)
        name = op.name
        opname = op.opname
        if opname == "LOAD_ATTR" or opname == "STORE_ATTR":
            try:
                obj = evaluate(op.base, frame)
            except Missing:
                strategy.opaque()
                return
            strategy.touch((id(obj), name), opname == "STORE_ATTR")
            if isinstance(obj, self.real_types):
                self._real_used(ts, obj, code, op)
            d = getattr(obj, "__dict__", None)
            if not isinstance(d, dict) or isinstance(obj, type):
                return
            if opname == "LOAD_ATTR":
                if name in d:
                    v = d[name]
                    if isinstance(v, self.real_types):
                        self._real_used(ts, v, code, op)
                else:  # a class attribute not yet shadowed by the instance
                    for klass in type(obj).__mro__:
                        if name in klass.__dict__:
                            v = klass.__dict__[name]
                            break
                    else:
                        return
                    if hasattr(type(v), "__get__"):
                        return  # a property or method: its own code's reads tell the story
                if isinstance(v, _MUTABLE_TOUCH):
                    strategy.touch(("o", id(v)))
                self.events.append(Step(ts.tid, code.co_filename, op.line, "read", obj, name,
                                        snapshot(ts, v)))
            else:
                ts.pending = [len(self.events), d, name]
                self.events.append(Step(ts.tid, code.co_filename, op.line, "write", obj, name))
        elif opname == "LOAD_GLOBAL" or opname == "STORE_GLOBAL":
            g = frame.f_globals
            strategy.touch((id(g), name), opname == "STORE_GLOBAL")
            if opname == "LOAD_GLOBAL":
                if name in g:
                    v = g[name]
                    if isinstance(v, self.real_types):
                        self._real_used(ts, v, code, op)
                    if isinstance(v, _MUTABLE_TOUCH):
                        strategy.touch(("o", id(v)))
                    self.events.append(Step(ts.tid, code.co_filename, op.line, "read", g, name,
                                            snapshot(ts, v)))
            else:
                ts.pending = [len(self.events), g, name]
                self.events.append(Step(ts.tid, code.co_filename, op.line, "write", g, name))
        elif opname == "LOAD_DEREF" or opname == "STORE_DEREF":
            # Every cell of that name may be this one: conservative, never wrong.
            strategy.touch(("cell", name), opname == "STORE_DEREF")
            if opname == "LOAD_DEREF":
                v = frame.f_locals.get(name)
                if isinstance(v, _MUTABLE_TOUCH):
                    strategy.touch(("o", id(v)))
        elif opname in _CALLS:
            if not self._touch_call(op, frame):
                ts.call_frame = frame  # opaque if it returns here without a switch point
        elif opname in _SUBSCRIPTS:
            try:
                strategy.touch(("o", id(evaluate(op.base, frame))),
                               opname != "BINARY_SUBSCR" and opname != "BINARY_SLICE")
            except Missing:
                strategy.opaque()
        elif opname != "JUMP_BACKWARD":
            strategy.opaque()

    def _touch_call(self, op: Op, frame: FrameType) -> bool:
        """Touch what a call of a builtin or a container's method reads or changes, if known."""
        callee = op.base
        if callee is None or op.args is None:
            return False
        if callee[0] == "method":
            try:
                receiver = evaluate(callee[1], frame)
            except Missing:
                return False
            if type(receiver) not in _CONTAINERS:
                return False
            self.strategy.touch(("o", id(receiver)))
        elif callee[1] in frame.f_globals or (
                _PURE_BUILTINS.get(callee[1], _MISSING) is not frame.f_builtins.get(callee[1])):
            return False
        for expr in op.args:
            if expr == ("const",):
                continue
            try:
                value = evaluate(expr, frame)
            except Missing:
                return False
            if isinstance(value, _MUTABLE_TOUCH):
                self.strategy.touch(("o", id(value)), callee[0] == "method")
        return True

    def _check_real(self, ts: ThreadState, op: Op, frame: FrameType) -> None:
        try:
            obj = evaluate(op.base, frame)
        except Missing:
            return
        if isinstance(obj, self.real_types) or (
            isinstance(obj, _real.Queue) and isinstance(getattr(obj, "mutex", None), _real.LockType)
        ):
            self._real_used(ts, obj, frame.f_code, op)

    def _real_used(self, ts: ThreadState, obj: Any, code: Any, op: Op) -> None:
        """Code under test used a real primitive: it could block unseen, so it is a failure."""
        import linecache

        src = linecache.getline(code.co_filename, op.line).strip()
        kind = type(obj).__name__
        message = (
            f"thread {ts.name} used a real {kind} that the interleaving explorer does not "
            f"control ({code.co_filename}:{op.line}: {src}). Make locks, conditions, "
            "semaphores, events and queues with the threading and queue modules when the "
            "object that uses them is created (threading.Lock() in __init__), not with "
            "_thread, a saved factory or an object made before the test started."
        )
        self._end("failed", message, {"kind": "real-primitive"})
        self._abandon(ts)
