"""Systematic search with dynamic partial-order reduction (Flanagan & Godefroid, POPL 2005).

Stateless: every schedule replays a prefix of choices, then keeps running the
current thread while it can. Each step (what one thread does between two
switch points) leaves a footprint, the shared objects it touched; two steps
with disjoint footprints commute, so their two orders need not both be tried.
After each schedule, every pair of racing steps (dependent, by different
threads, not ordered through other steps) adds the later step's thread as an
alternative at the state before the earlier one. The search is done when no
alternative is left: every schedule that differs in the order of dependent
steps has been covered (``exhausted``), so a reachable failure is found
whatever the seed. Sleep sets skip alternatives already covered by a sibling
whose step commutes with everything run since.

A step whose footprint is unknown (a C call, a subscript on an unknown
object) is "opaque": dependent with every other step.
"""

from __future__ import annotations

from typing import Any

from .strategies import Strategy

#: A step's footprint: the keys it read and the keys it changed; None: it may touch anything.
Footprint = tuple[frozenset, frozenset] | None
_EMPTY: Footprint = (frozenset(), frozenset())


class _Frame:
    """One decision: who could run, who ran, what to try instead."""

    __slots__ = ("enabled", "chosen", "backtrack", "done", "sleep", "fp", "preempt", "cur",
                 "nkeys")

    def __init__(self, enabled: tuple[int, ...], chosen: int, cur: int | None, preempt: int,
                 sleep: dict[int, Asleep], nkeys: int) -> None:
        self.enabled = enabled
        self.chosen = chosen
        self.cur = cur
        self.preempt = preempt  # preemptions in the prefix before this decision
        self.backtrack = {chosen}
        self.done = {chosen}
        self.sleep = sleep  # tid -> its step from here, already covered by a sibling
        self.fp: Footprint = _EMPTY
        self.nkeys = nkeys  # footprint keys numbered before this step


#: A sleeping thread's step: its footprint and how many keys were numbered before it.
#: Keys first numbered in that step (in an earlier schedule) may stand for other
#: objects now, so they conflict with every key numbered that late in this one.
Asleep = tuple[tuple[frozenset, frozenset], int]


def _dependent(a: Footprint, b: Footprint) -> bool:
    """Two steps conflict when one changes a key the other reads or changes."""
    if a is None or b is None:
        return True
    return not (a[1].isdisjoint(b[0]) and a[1].isdisjoint(b[1]) and a[0].isdisjoint(b[1]))


def _wakes(asleep: Asleep, fp: Footprint) -> bool:
    """True if the step with footprint ``fp`` may not commute with the sleeping step."""
    sfp, nkeys = asleep
    if fp is None or _dependent(sfp, fp):
        return True
    return any(k >= nkeys for k in sfp[0] | sfp[1]) and any(k >= nkeys for k in fp[0] | fp[1])


class DPOR(Strategy):
    """Depth-first DPOR with sleep sets; ``preemption_bound`` optionally limits the search."""

    name = "dpor"

    def __init__(self, preemption_bound: int | None = None) -> None:
        super().__init__()
        self.bound = preemption_bound
        self.stack: list[_Frame] = []
        self.depth = 0
        self.started = False
        self.bounded_out = False  # an alternative was skipped for the bound: not a proof
        self._reads: set[int] = set()
        self._writes: set[int] = set()
        self._opaque = False
        self._ordinal: dict[Any, int] = {}
        self._parent: dict[int, int] = {}  # thread -> the step that started it

    # ------------------------------------------------------------ a schedule
    def begin(self, index: int) -> bool:
        super().begin(index)
        if self.started and not self._backtrack():
            self.exhausted = not self.bounded_out
            return False
        self.started = True
        self.depth = 0
        self._reads, self._writes, self._opaque = set(), set(), False
        self._ordinal = {}
        self._parent = {}
        return True

    def new_thread(self, ts: Any) -> None:
        if self.depth:
            self._parent[ts.tid] = self.depth - 1
        self.touch(("thread", ts.tid))

    def touch(self, key: Any, write: bool = True) -> None:
        """The running step read or changed ``key`` (keys are numbered in order of first touch)."""
        n = self._ordinal.get(key)
        if n is None:
            n = self._ordinal[key] = len(self._ordinal)
        (self._writes if write else self._reads).add(n)

    def opaque(self) -> None:
        """The running step may have touched anything."""
        self._opaque = True

    def _close_step(self) -> None:
        if self.depth:
            self.stack[self.depth - 1].fp = None if self._opaque else (
                frozenset(self._reads), frozenset(self._writes))
        self._reads, self._writes, self._opaque = set(), set(), False

    def choose(self, enabled: list[Any], current: Any) -> Any:
        self._close_step()
        tids = tuple(e.tid for e in enabled)
        cur = current.tid if current is not None and current in enabled else None
        want = None
        if self.depth < len(self.stack):
            frame = self.stack[self.depth]
            if frame.enabled == tids:
                want = frame.chosen
            else:  # the code did not replay the same way: search on from here
                del self.stack[self.depth:]
        if want is None:
            preempt = self._preempt_before(self.depth)
            sleep = self._sleep_after(self.depth)
            awake = [t for t in tids if t not in sleep]
            pool = awake or list(tids)
            want = cur if cur in pool else pool[0]
            frame = _Frame(tids, want, cur, preempt, sleep, len(self._ordinal))
            frame.done |= set(sleep)
            self.stack.append(frame)
        self.depth += 1
        if len(tids) > 1:
            self.schedule.append(want)
        return next(e for e in enabled if e.tid == want)

    def end(self, steps: int) -> None:
        self._close_step()
        del self.stack[self.depth:]
        self._add_races()

    # -------------------------------------------------------------- analysis
    def _preempt_before(self, k: int) -> int:
        if k == 0:
            return 0
        p = self.stack[k - 1]
        return p.preempt + (1 if p.cur is not None and p.chosen != p.cur else 0)

    def _sleep_after(self, k: int) -> dict[int, Asleep]:
        """Threads asleep at decision ``k``: asleep at ``k-1`` and commuting with its step."""
        if k == 0:
            return {}
        p = self.stack[k - 1]
        return {tid: a for tid, a in p.sleep.items() if tid != p.chosen and not _wakes(a, p.fp)}

    def _add_races(self) -> None:
        """For each step, find the last earlier step it races with and plan the other order."""
        frames = self.stack
        if not frames:
            return
        width = max(max(f.chosen for f in frames), max(self._parent, default=0)) + 1
        none = (-1,) * width
        last_of: dict[int, int] = {}  # thread -> its last step index
        clocks: list[tuple[int, ...]] = []  # per step: the last step of each thread before it
        last_write: dict[int, int] = {}  # key -> last step changing it
        reads_since: dict[int, list[int]] = {}  # key -> steps reading it since that change
        last_opaque = -1
        for j, f in enumerate(frames):
            t = f.chosen
            prev = last_of.get(t)
            if prev is not None:
                base = clocks[prev]
            elif t in self._parent:
                base = clocks[self._parent[t]]
            else:
                base = none
            fp = f.fp
            if fp is None:
                cands: Any = range(j - 1, -1, -1)
                joins: Any = last_of.values()
            else:
                reads, writes = fp
                cs = {last_write[k] for k in reads | writes if k in last_write}
                for k in writes:
                    cs.update(reads_since.get(k, ()))
                if last_opaque >= 0:
                    cs.add(last_opaque)
                cands = joins = sorted(cs, reverse=True)
            race = -1
            for i in cands:
                ti = frames[i].chosen
                if ti != t and base[ti] < i:
                    race = i
                    break
            clock = base
            for i in joins:
                clock = tuple(map(max, clock, clocks[i]))
            clock = clock[:t] + (j,) + clock[t + 1:]
            clocks.append(clock)
            last_of[t] = j
            if fp is None:
                last_opaque = j
                last_write.clear()
                reads_since.clear()
            else:
                for k in fp[1]:
                    last_write[k] = j
                    reads_since[k] = []
                for k in fp[0] - fp[1]:
                    reads_since.setdefault(k, []).append(j)
            if race >= 0:
                target = frames[race]
                if t in target.enabled:
                    target.backtrack.add(t)
                else:
                    target.backtrack.update(target.enabled)

    def _backtrack(self) -> bool:
        """Move to the deepest decision with an untried alternative; False when none is left."""
        while self.stack:
            k = len(self.stack) - 1
            f = self.stack[k]
            for tid in sorted(f.backtrack - f.done, key=lambda x: (x != f.cur, x)):
                f.done.add(tid)
                cost = 1 if f.cur is not None and tid != f.cur else 0
                if self.bound is not None and f.preempt + cost > self.bound:
                    self.bounded_out = True
                    continue
                # The alternative just explored from here is covered: put it to sleep.
                if f.fp is not None:
                    f.sleep = {**f.sleep, f.chosen: (f.fp, f.nkeys)}
                f.chosen = tid
                return True
            self.stack.pop()
        return False
