"""Who runs next: random walk, PCT, bounded exhaustive DFS, DPOR, their sequences, and replay.

Every strategy records the choices it made at decision points with more than
one runnable thread (``schedule``); replaying that list reproduces the run.
Each also names its schedule with a short token ("random:1234",
"pct:1234:57:3", "schedule:0.1.1.0") that ``explore(replay=...)`` accepts.
"""

from __future__ import annotations

import random
from typing import Any


class Strategy:
    """Interface: begin a schedule, pick among enabled threads, say how to replay it."""

    name = "?"
    exhausted = False

    def __init__(self) -> None:
        self.schedule: list[int] = []

    def begin(self, index: int) -> bool:
        """Prepare schedule ``index``; False when there is nothing left to explore."""
        self.schedule = []
        return True

    def new_thread(self, ts: Any) -> None:
        pass

    def choose(self, enabled: list[Any], current: Any) -> Any:
        raise NotImplementedError

    def touch(self, key: Any, write: bool = True) -> None:
        """The running step read (or changed) the shared object named ``key`` (for DPOR)."""

    def opaque(self) -> None:
        """The running step may have touched anything (for DPOR)."""

    def end(self, steps: int) -> None:
        pass

    def token(self) -> str:
        return "schedule:" + ".".join(map(str, self.schedule))

    @property
    def seed(self) -> int | None:
        return None

    def runs(self, schedules: int) -> int:
        """At most how many schedules to begin when ``schedules`` were asked for."""
        return schedules

    def coverage(self) -> str:
        """What the schedules run cover, beyond their count (a clause for the story)."""
        return ""


class RandomWalk(Strategy):
    """Seeded uniform choice at every switch point; schedule i uses seed ``seed + i``."""

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        self.base = seed
        self._seed = seed
        self.rng = random.Random(seed)

    def begin(self, index: int) -> bool:
        super().begin(index)
        self._seed = self.base + index
        self.rng = random.Random(self._seed)
        return True

    def choose(self, enabled: list[Any], current: Any) -> Any:
        if len(enabled) == 1:
            return enabled[0]
        t = enabled[self.rng.randrange(len(enabled))]
        self.schedule.append(t.tid)
        return t

    def token(self) -> str:
        return f"random:{self._seed}"

    @property
    def seed(self) -> int | None:
        return self._seed


class PCT(Strategy):
    """Probabilistic Concurrency Testing (Burckhardt et al., ASPLOS 2010).

    Threads get random distinct priorities >= depth; the highest-priority
    enabled thread runs; at depth-1 random steps in [1, k] the running
    thread's priority drops below all initial ones. k is estimated from the
    longest schedule seen so far (it is part of the replay token).
    """

    name = "pct"

    def __init__(self, seed: int = 0, depth: int = 3, k: int | None = None) -> None:
        super().__init__()
        self.base = seed
        self._seed = seed
        self.depth = depth
        self.k = k or 50
        self.fixed_k = k is not None
        self.k_used = self.k

    def begin(self, index: int) -> bool:
        super().begin(index)
        self._seed = self.base + index
        self.rng = random.Random(self._seed)
        self.k_used = self.k
        n = min(self.depth - 1, self.k)
        self.changes = sorted(self.rng.sample(range(1, self.k + 1), n))
        self.prio: dict[int, float] = {}
        self.step = 0
        self.lowered = 0
        return True

    def new_thread(self, ts: Any) -> None:
        self.prio[ts.tid] = self.depth + self.rng.random()

    def choose(self, enabled: list[Any], current: Any) -> Any:
        self.step += 1
        while self.changes and self.changes[0] <= self.step:
            self.changes.pop(0)
            self.lowered += 1
            if current is not None:
                self.prio[current.tid] = self.depth - self.lowered
        if len(enabled) == 1:
            return enabled[0]
        t = max(enabled, key=lambda x: self.prio[x.tid])
        self.schedule.append(t.tid)
        return t

    def end(self, steps: int) -> None:
        if not self.fixed_k:
            self.k = max(self.k, self.step)

    def token(self) -> str:
        return f"pct:{self._seed}:{self.k_used}:{self.depth}"

    @property
    def seed(self) -> int | None:
        return self._seed


class Replay(Strategy):
    """Follow a recorded list of choices; afterwards keep running the current thread."""

    name = "replay"

    def __init__(self, choices: list[int]) -> None:
        super().__init__()
        self.choices = list(choices)
        self.pos = 0
        self.diverged = False

    def begin(self, index: int) -> bool:
        super().begin(index)
        self.pos = 0
        return index == 0

    def choose(self, enabled: list[Any], current: Any) -> Any:
        if len(enabled) == 1:
            return enabled[0]
        t = None
        if self.pos < len(self.choices):
            want = self.choices[self.pos]
            self.pos += 1
            t = next((e for e in enabled if e.tid == want), None)
            if t is None:
                self.diverged = True
        if t is None:
            t = current if current in enabled else enabled[0]
        self.schedule.append(t.tid)
        return t


class Exhaustive(Strategy):
    """Bounded exhaustive DFS over schedules with at most ``bound`` preemptions (CHESS/loom).

    Stateless: each schedule replays a prefix of choices, then runs
    non-preemptively (keep the current thread while it can run). Backtracking
    tries the untried alternatives at the deepest decision whose preemption
    count stays within the bound.
    """

    name = "exhaustive"

    def __init__(self, bound: int = 2) -> None:
        super().__init__()
        self.bound = bound
        # One frame per decision: [enabled tids, chosen tid, tried set, preemptions before, current]
        self.stack: list[list[Any]] = []
        self.depth = 0
        self.started = False

    def begin(self, index: int) -> bool:
        super().begin(index)
        if self.started and not self._backtrack():
            self.exhausted = True
            return False
        self.started = True
        self.depth = 0
        return True

    def _backtrack(self) -> bool:
        while self.stack:
            enabled, chosen, tried, pre, cur = self.stack[-1]
            for tid in enabled:
                if tid in tried:
                    continue
                cost = 1 if (cur is not None and cur in enabled and tid != cur) else 0
                if pre + cost <= self.bound:
                    tried.add(tid)
                    self.stack[-1][1] = tid
                    return True
                tried.add(tid)
            self.stack.pop()
        return False

    def choose(self, enabled: list[Any], current: Any) -> Any:
        if len(enabled) == 1:
            return enabled[0]
        tids = [e.tid for e in enabled]
        cur = current.tid if current is not None and current in enabled else None
        if self.depth < len(self.stack):
            frame = self.stack[self.depth]
            want = frame[1]
        else:
            pre = 0
            if self.stack:
                p_enabled, p_chosen, _, p_pre, p_cur = self.stack[-1]
                pre = p_pre + (1 if p_cur is not None and p_chosen != p_cur else 0)
            want = cur if cur is not None else tids[0]
            self.stack.append([tids, want, {want}, pre, cur])
        self.depth += 1
        t = next((e for e in enabled if e.tid == want), enabled[0])
        self.schedule.append(t.tid)
        return t

    def end(self, steps: int) -> None:
        # Drop frames beyond this run (a shorter run than the prefix predicted).
        del self.stack[self.depth:]


def make(strategy: str, seed: int, *, preemption_bound: int | None = 2,
         pct_depth: int = 3, schedules: int = 200, find: bool = False) -> Strategy:
    """Build a strategy by name: "bounded", "systematic", "random", "pct", "exhaustive" or "dpor"."""
    if strategy == "bounded":
        return BoundedFirst(seed, schedules)
    if strategy == "systematic":
        return Systematic(seed, schedules, find)
    if strategy == "dpor":
        from .dpor import DPOR

        return DPOR(preemption_bound)
    if strategy == "random":
        return RandomWalk(seed)
    if strategy == "pct":
        return PCT(seed, pct_depth)
    if strategy == "exhaustive":
        return Exhaustive(preemption_bound)
    raise ValueError(f"unknown strategy {strategy!r}: use 'bounded', 'systematic', 'random', "
                     "'pct', 'exhaustive' or 'dpor'")


def from_token(token: str) -> Strategy:
    """The strategy that replays exactly one schedule named by ``token``."""
    kind, _, rest = token.partition(":")
    if kind == "random":
        return RandomWalk(int(rest))
    if kind == "pct":
        parts = [int(p) for p in rest.split(":")]
        k = parts[1] if len(parts) > 1 else None
        depth = parts[2] if len(parts) > 2 else 3
        return PCT(parts[0], depth, k)
    if kind in ("schedule", "exhaustive"):
        return Replay([int(x) for x in rest.split(".") if x != ""])
    raise ValueError(f"bad replay token {token!r}: expected random:SEED, pct:SEED:K:D "
                     "or schedule:0.1.0")


class Phased(Strategy):
    """A strategy that runs others in turn: every call goes to the one running now."""

    active: Strategy

    @property
    def schedule(self) -> list[int]:  # type: ignore[override]
        return self.active.schedule

    @schedule.setter
    def schedule(self, value: list[int]) -> None:
        pass

    def new_thread(self, ts: Any) -> None:
        self.active.new_thread(ts)

    def choose(self, enabled: list[Any], current: Any) -> Any:
        return self.active.choose(enabled, current)

    def touch(self, key: Any, write: bool = True) -> None:
        self.active.touch(key, write)

    def opaque(self) -> None:
        self.active.opaque()

    def end(self, steps: int) -> None:
        self.active.end(steps)

    def token(self) -> str:
        return self.active.token()

    @property
    def seed(self) -> int | None:
        return self.active.seed


class Systematic(Phased):
    """DPOR first (the same schedules under every seed), then also seeded random sampling.

    Of the ``budget`` schedules, the first ``HEAD`` are the systematic
    search's (with at most one preemption, then unbounded); after that its
    schedules alternate with random ones. When the
    search covers every schedule that differs in the order of conflicting
    steps, that is a proof (``exhausted``) and the exploration stops. So a
    failure the search reaches within its budget is found under every seed,
    and the sampling keeps random's reach into long or wide schedules. A
    search for a state (``find``) is never proven impossible by the
    reduction (it keeps one order of independent steps, not every
    intermediate state), so it goes on sampling.
    """

    name = "systematic"
    HEAD = 64

    def __init__(self, seed: int, budget: int, find: bool = False) -> None:
        super().__init__()
        from .dpor import DPOR

        # One preemption first: most bugs need only one, and a bounded search reaches
        # them in a few schedules; then the unbounded search, which can prove.
        self.searches = [DPOR(1), DPOR()]
        self.search = self.searches[0]
        self.sampling = RandomWalk(seed)
        self.budget = budget
        self.find = find
        self.active: Strategy = self.search
        self.searched = 0
        self.sampled = 0
        self.search_live = True

    def coverage(self) -> str:
        if self.exhausted or (self.search.exhausted and not self.search_live) or not self.sampled:
            return ""
        return (f"; {self.searched} of them from a systematic search that did not cover every "
                "schedule (bound reached), the rest random")

    def begin(self, index: int) -> bool:
        if self.search_live and (self.searched < self.HEAD or index % 2 == 0
                                 or self.sampled >= self.budget):
            while self.searched < self.budget:
                if self.search.begin(self.searched):
                    self.searched += 1
                    self.active = self.search
                    return True
                if self.search is self.searches[-1]:
                    break
                self.search = self.searches[self.searches.index(self.search) + 1]
            self.search_live = False
            if self.search.exhausted and not self.find:
                self.exhausted = True
                return False
        if self.sampled >= self.budget:
            return False
        self.active = self.sampling
        self.sampled += 1
        return self.sampling.begin(self.sampled - 1)


class BoundedFirst(Phased):
    """Every schedule with at most one preemption first, then ``budget`` seeded random ones.

    Most concurrency bugs need one untimely switch (the CHESS observation);
    the bounded search reaches each of them in the same schedules whatever
    the seed, so such a bug is found under every seed. The random walk that
    follows is the one ``"random"`` runs, schedule for schedule, so it keeps
    its reach into bugs that need several switches (five philosophers each
    holding one fork). The search alone never proves the code right: it
    covers one preemption, and at most ``budget`` schedules of it.
    """

    name = "bounded"

    def __init__(self, seed: int, budget: int, bound: int = 1) -> None:
        super().__init__()
        self.search = Exhaustive(bound)
        self.sampling = RandomWalk(seed)
        self.active = self.search
        self.budget = budget
        self.searched = 0
        self.sampled = 0

    def runs(self, schedules: int) -> int:
        return 2 * schedules

    def begin(self, index: int) -> bool:
        if self.active is self.search:
            if self.searched < self.budget and self.search.begin(self.searched):
                self.searched += 1
                return True
            self.active = self.sampling
        if self.sampled >= self.budget:
            return False
        self.sampled += 1
        return self.sampling.begin(self.sampled - 1)

    def coverage(self) -> str:
        covered = (f"every schedule with at most one preemption ({self.searched} of them)"
                   if self.search.exhausted else
                   f"the first {self.searched} schedules with at most one preemption (the search "
                   "reached its budget before it covered them all)")
        return f"; {covered}, then {self.sampled} random"
