"""Turn the recorded steps of one schedule into a story a student can follow.

Only the few steps that matter are shown (the two reads and two writes of a
lost update, the acquisitions and waits of a deadlock cycle, the waits and
notifications of a lost wake-up, or the last shared steps before a
failure), each as ``thread  file:line  source  what it did``, followed by a
one-line diagnosis and how to replay the schedule.
"""

from __future__ import annotations

import linecache
import os
import sys
from typing import Any

from .primitives import Condition, _Modelled
from .scheduler import Scheduler, ThreadState
from .steps import Step

MAX_STEPS_SHOWN = 14
_SYNC_SKIP = {"read", "write"}


# ------------------------------------------------------------------ naming
class Namer:
    """Names modelled primitives by where the test's state or the threads' frames hold them."""

    def __init__(self, sched: Scheduler, state: Any) -> None:
        self.sched = sched
        self.names: dict[int, str] = {}
        self._seen: set[int] = set()
        if state is not None:
            if isinstance(state, _Modelled):
                self.names[id(state)] = "state"
            self._walk([(state, "")], 3)
        frames = sys._current_frames()
        roots_containers: list[tuple[Any, str]] = []
        roots_plain: list[tuple[Any, str]] = []
        for ts in sched.threads:
            f = frames.get(ts.ident) if ts.status != "finished" else None
            while f is not None:
                if _is_user(f):
                    for k, v in list(f.f_locals.items()):
                        if isinstance(v, list | tuple | dict):
                            roots_containers.append((v, k))
                        elif k != "self":
                            roots_plain.append((v, k))
                f = f.f_back
        self._walk(roots_containers, 2)
        self._walk(roots_plain, 2)

    def _walk(self, roots: list[tuple[Any, str]], depth: int) -> None:
        level = roots
        for _ in range(depth + 1):
            nxt: list[tuple[Any, str]] = []
            for obj, path in level:
                if id(obj) in self._seen:
                    continue
                self._seen.add(id(obj))
                if isinstance(obj, _Modelled) and path and id(obj) not in self.names:
                    self.names[id(obj)] = path
                    if isinstance(obj, Condition):  # `with cond:` acquires its lock
                        self.names.setdefault(id(obj._lock), path)
                for child, cpath in _children(obj, path):
                    nxt.append((child, cpath))
            level = nxt

    def name(self, obj: Any) -> str:
        if isinstance(obj, ThreadState):
            return obj.name
        n = self.names.get(id(obj))
        if n is not None:
            return n
        kind = type(obj).__name__.lower()
        site = getattr(obj, "_site", None)
        where = f" created at {os.path.basename(site[0])}:{site[1]}" if site else ""
        return f"{kind} #{getattr(obj, '_serial', '?')}{where}"


def _is_user(frame: Any) -> bool:
    from .codeinfo import is_user_code

    return is_user_code(frame.f_code)


def _children(obj: Any, path: str) -> list[tuple[Any, str]]:
    out: list[tuple[Any, str]] = []
    if isinstance(obj, list | tuple):
        for i, v in enumerate(obj[:64]):
            out.append((v, f"{path or 'state'}[{i}]"))
    elif isinstance(obj, dict):
        for k, v in list(obj.items())[:64]:
            if isinstance(k, str | int):
                out.append((v, f"{path or 'state'}[{k!r}]"))
    elif isinstance(obj, _Modelled | ThreadState | type) or callable(obj):
        pass
    else:
        d = getattr(obj, "__dict__", None)
        if isinstance(d, dict) and not isinstance(obj, type(sys)):
            for k, v in list(d.items())[:64]:
                if not k.startswith("__"):
                    out.append((v, f"{path}.{k}" if path else k))
    return out


# ----------------------------------------------------------------- helpers
def _label(obj: Any, attr: str) -> str:
    if isinstance(obj, dict):
        return f"global {attr}"
    return f"{type(obj).__name__}.{attr}"


def _short(value: Any) -> str:
    try:
        r = repr(value)
    except Exception:  # noqa: BLE001
        r = f"<{type(value).__name__}>"
    return r if len(r) <= 40 else r[:37] + "..."


def _is_data(value: Any) -> bool:
    return not (isinstance(value, _Modelled | ThreadState | type | type(sys)) or callable(value))


class Teller:
    """Formats events of one schedule."""

    def __init__(self, sched: Scheduler, state: Any) -> None:
        self.s = sched
        self.ev = sched.events
        self.namer = Namer(sched, state)
        snapshot = getattr(sched, "names_snapshot", None)
        if snapshot:
            self.namer.names = {**snapshot, **self.namer.names}
        #: A deadlock's wait-for cycle, thread names in order (set when one is found).
        self.cycle: list[str] = []

    def tname(self, tid: int) -> str:
        return self.s.threads[tid].name

    def describe(self, e: Step) -> str:
        kind, obj, text, value = e.kind, e.obj, e.text, e.value
        if kind == "read":
            return f"read {_label(obj, text)} (= {_short(value)})"
        if kind == "write":
            return f"wrote {_label(obj, text)} (= {_short(value)})"
        if kind in ("finish", "exception", "sleep"):
            return text
        name = self.namer.name(obj) if obj is not None else ""
        if kind == "wait-lock":
            held = f" (held by {value.name})" if isinstance(value, ThreadState) else ""
            return f"{text} {name}{held}"
        if kind == "notify":
            return f"{name}.notify() woke {value}"
        if kind in ("acquire", "release") and isinstance(value, int):
            return f"{text} {name} (value now {value})"
        return f"{text} {name}".rstrip()

    def line(self, e: Step) -> tuple[str, str, str, str]:
        tid, fn, line = e.tid, e.filename, e.line
        where = f"{os.path.basename(fn)}:{line}" if fn else ""
        src = linecache.getline(fn, line).strip() if fn else ""
        if len(src) > 44:
            src = src[:41] + "..."
        return (self.tname(tid), where, src, self.describe(e))

    def trace(self, indices: list[int], verdict: str) -> dict[str, Any]:
        """The same steps as plain data, for a report that draws one lane per thread
        (the shape of ``grader.results.Trace``); a step after a context switch is key."""
        rows = [(self.ev[i], self.line(self.ev[i])) for i in sorted(set(indices))]
        steps = [{"thread": r[0], "action": e.kind, "detail": r[3], "location": r[1],
                  "key": n > 0 and rows[n - 1][1][0] != r[0]}
                 for n, (e, r) in enumerate(rows)]
        return {"threads": [ts.name for ts in self.s.threads], "steps": steps,
                "cycle": list(self.cycle), "verdict": verdict}

    def render(self, indices: list[int]) -> str:
        rows = [self.line(self.ev[i]) for i in sorted(set(indices))]
        if not rows:
            return ""
        w = [max(len(r[k]) for r in rows) for k in range(3)]
        # ">" marks a context switch: another thread ran in between.
        marks = [" "] + [">" if a[0] != b[0] else " " for a, b in zip(rows, rows[1:], strict=False)]
        return "\n".join(
            f"{m} {r[0]:<{w[0]}}  {r[1]:<{w[1]}}  {r[2]:<{w[2]}}  {r[3]}".rstrip()
            for m, r in zip(marks, rows, strict=True))

    # ------------------------------------------------------------- selection
    def shared_keys(self, upto: int) -> set[Any]:
        by_key: dict[Any, set[int]] = {}
        for e in self.ev[:upto]:
            if e.kind in ("read", "write") and _is_data(e.value):
                by_key.setdefault(e.key, set()).add(e.tid)
        return {k for k, tids in by_key.items() if len(tids) > 1}

    def relevant(self, upto: int | None = None, limit: int = MAX_STEPS_SHOWN) -> list[int]:
        upto = len(self.ev) if upto is None else upto
        shared = self.shared_keys(upto)
        out = []
        for i in range(upto):
            e = self.ev[i]
            if e.kind in _SYNC_SKIP and (e.key not in shared or not _is_data(e.value)):
                continue
            out.append(i)
        return out[-limit:]

    def lost_update(self) -> tuple[str, list[int]] | None:
        pairs: dict[Any, list[tuple[int, int, int]]] = {}
        last_read: dict[tuple[Any, int], int] = {}
        for i, e in enumerate(self.ev):
            kind = e.kind
            if kind not in ("read", "write"):
                continue
            key = e.key
            if kind == "read":
                if _is_data(e.value):
                    last_read[(key, e.tid)] = i
            else:
                r = last_read.pop((key, e.tid), None)
                if r is not None:
                    pairs.setdefault(key, []).append((e.tid, r, i))
        best = None
        for plist in pairs.values():
            for a in range(len(plist)):
                for b in range(a + 1, len(plist)):
                    (ta, ra, wa), (tb, rb, wb) = plist[a], plist[b]
                    if ta != tb and max(ra, rb) < min(wa, wb):
                        cand = (max(wa, wb), ra, rb, wa, wb, ta, tb)
                        if best is None or cand < best:
                            best = cand
        if best is None:
            return None
        _, ra, rb, wa, wb, ta, tb = best
        first, second = (ta, tb) if ra < rb else (tb, ta)
        e = self.ev[ra]
        va, vb = self.ev[ra].value, self.ev[rb].value
        vals = f"(={_short(va)})" if va == vb else f"(={_short(va)} and ={_short(vb)})"
        diag = (f"lost update: {self.tname(first)} and {self.tname(second)} both read "
                f"{_label(e.obj, e.text)} {vals} before either wrote it back")
        return diag, [ra, rb, wa, wb]

    def if_not_while(self, tid: int, upto: int) -> tuple[str, int] | None:
        """A thread that woke from Condition.wait() inside an ``if`` and went on regardless."""
        for i in range(upto - 1, -1, -1):
            e = self.ev[i]
            if e.tid != tid:
                continue
            if e.kind == "wait":
                return None
            if e.kind == "woke" and isinstance(e.obj, Condition):
                if _enclosing_keyword(e.filename, e.line) == "if":
                    cond = self.namer.name(e.obj)
                    return (f"{self.tname(tid)} woke up from waiting on {cond} and went on "
                            f"although what it waited for no longer held (another thread got "
                            f"there first): wait in a `while` loop, not under an `if`", i)
                return None
        return None


def _enclosing_keyword(fn: str, line: int) -> str | None:
    text = linecache.getline(fn, line)
    indent = len(text) - len(text.lstrip())
    for ln in range(line - 1, max(0, line - 30), -1):
        t = linecache.getline(fn, ln)
        if not t.strip():
            continue
        ind = len(t) - len(t.lstrip())
        if ind < indent:
            word = t.strip().split(" ", 1)[0].rstrip(":")
            return word
    return None


# --------------------------------------------------------------------- build
def build(sched: Scheduler, verdict: str, message: str, state: Any,
          witness: bool = False) -> tuple[str, str, str, dict[str, Any]]:
    """Return (steps, diagnosis, headline, trace) for a schedule with the given verdict."""
    t = Teller(sched, state)
    detail = sched.detail
    diag = ""
    idx: list[int] = []
    if witness:
        upto = sched.witness_at if sched.witness_at is not None else len(sched.events)
        idx = t.relevant(upto)
        diag = f"found: a schedule in which the predicate holds (at step {sched.witness_step})"
        return t.render(idx), diag, "found", t.trace(idx, diag)
    if detail.get("kind") in ("real-primitive", "tamper"):
        idx = t.relevant(limit=6)
        diag = message
    elif verdict == "deadlock":
        diag, idx = _deadlock(t, detail.get("waits", []))
    elif verdict == "failed":
        lu = t.lost_update() if detail.get("kind") != "exception" else None
        if lu is not None:
            diag, idx = lu
            idx = sorted(set(idx) | {i for i in t.relevant(limit=4)
                                     if sched.events[i].kind == "exception"})
        else:
            exc = [i for i, e in enumerate(sched.events) if e.kind == "exception"]
            upto = exc[0] + 1 if exc else len(sched.events)
            idx = t.relevant(upto)
            tids = [sched.events[exc[0]].tid] if exc else [ts.tid for ts in sched.threads]
            for tid in tids:
                inw = t.if_not_while(tid, upto)
                if inw is not None:
                    diag = inw[0]
                    idx = sorted(set(idx[-(MAX_STEPS_SHOWN - 1):]) | {inw[1]})
                    break
    elif verdict == "livelock":
        idx = t.relevant()
        running = [ts.name for ts in sched.threads if ts.status != "finished"]
        diag = (f"livelock: {', '.join(running)} kept running for {sched.max_steps} steps "
                "without finishing (spinning or retrying forever?)")
    elif verdict == "inconclusive":
        idx = t.relevant(limit=6)
        diag = f"harness problem (not your fault): {message}"
    return t.render(idx), diag, verdict, t.trace(idx, diag or verdict)


def _deadlock(t: Teller, waits: list[dict[str, Any]]) -> tuple[str, list[int]]:
    s = t.s
    info = {w["thread"]: w for w in waits}
    edges: dict[int, int] = {}
    for tid, w in info.items():
        if w["owner"] is not None:
            edges[tid] = w["owner"]
        elif isinstance(w["obj"], ThreadState):
            edges[tid] = w["obj"].tid
    cycle: list[int] = []
    for start in sorted(edges):
        path = [start]
        cur = start
        while cur in edges and edges[cur] not in path:
            cur = edges[cur]
            path.append(cur)
        if cur in edges and edges[cur] in path:
            cycle = path[path.index(edges[cur]):]
            break
    idx: list[int] = []
    ev = s.events
    if cycle:
        t.cycle = [t.tname(tid) for tid in cycle]
        parts = []
        for tid in cycle:
            w = info[tid]
            nxt = edges[tid]
            prev = next(p for p in cycle if edges[p] == tid)
            held = info[prev]["obj"]
            name = t.tname(tid)
            if isinstance(w["obj"], ThreadState):
                parts.append(f"{name} waits for thread {t.tname(nxt)} to finish")
            elif isinstance(held, ThreadState):
                parts.append(f"{name} waits for {t.namer.name(w['obj'])}")
            else:
                parts.append(f"{name} holds {t.namer.name(held)} and waits for "
                             f"{t.namer.name(w['obj'])}")
            for i in range(len(ev) - 1, -1, -1):
                e = ev[i]
                if e.tid == tid and e.kind == "acquire" and e.obj is held:
                    idx.append(i)
                    break
            for i in range(len(ev) - 1, -1, -1):
                if ev[i].tid == tid and ev[i].kind in ("wait-lock", "wait-join"):
                    idx.append(i)
                    break
        return "deadlock: " + "; ".join(parts), idx
    # No cycle: everyone waits for a signal nobody is left to send.
    conds = [w for w in waits if isinstance(w["obj"], Condition)]
    objs = {id(w["obj"]) for w in waits}
    for i, e in enumerate(ev):
        if (e.kind not in _SYNC_SKIP and id(e.obj) in objs) or e.kind in ("finish", "exception"):
            idx.append(i)
    idx = idx[-MAX_STEPS_SHOWN:]
    if conds:
        w = conds[0]
        who = ", ".join(t.tname(x["thread"]) for x in conds)
        verb = "waits" if len(conds) == 1 else "wait"
        diag = (f"lost wake-up: {who} {verb} on the condition {t.namer.name(w['obj'])} with "
                "nothing left to notify it (a notify() came before the wait, or woke "
                "another thread)")
    else:
        parts = [f"{t.tname(w['thread'])} {w['verb']} {t.namer.name(w['obj'])}"
                 if w["obj"] is not None else f"{t.tname(w['thread'])} {w['verb']}"
                 for w in waits]
        diag = "deadlock: " + "; ".join(parts) + " and no thread is left to wake them"
    return diag, idx
