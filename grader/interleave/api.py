"""The test author's API: ``explore``, ``exists`` and ``Result``.

``setup()`` runs in the explorer's own thread, uncontrolled but with the
modelled primitives installed (so locks and queues it creates are visible to
the scheduler), once per schedule. Each worker ``w(state)`` then runs as a
controlled thread named T0, T1, ...; or ``workers`` may be one callable that
starts threads itself (it runs as the controlled thread "main"). The
invariant runs in the explorer's thread after every worker has finished.
"""

from __future__ import annotations

import os
import platform
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from grader import environment

from . import _real, patching, primitives, strategies, tracing
from . import story as story_mod
from .codeinfo import user_frame
from .scheduler import Scheduler

VERDICTS = ("ok", "failed", "deadlock", "livelock", "inconclusive")
PYTHON = platform.python_version()
#: The pytest option that replays a schedule (the plugin registers it).
REPLAY_OPTION = "--concurlab-replay"
_replay_default: list[str | None] = [os.environ.get(environment.REPLAY) or None]
_running = [False]


def set_replay(token: str | None) -> None:
    """Make every ``explore`` replay this schedule (used by ``--concurlab-replay``)."""
    _replay_default[0] = token


@dataclass
class Result:
    """What an exploration found; ``to_dict()`` is plain JSON-able data."""

    verdict: str
    strategy: str
    seed: int | None = None
    schedule: list[int] = field(default_factory=list)
    replay: str = ""
    schedules_run: int = 0
    steps: int = 0
    story: str = ""
    #: The story's steps as plain data (``grader.results.Trace``'s shape) for drawn reports.
    trace: dict[str, Any] = field(default_factory=dict)
    diagnosis: str = ""
    message: str = ""
    found: bool | None = None
    exhausted: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    leaked_threads: int = 0
    python: str = PYTHON

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict, "strategy": self.strategy, "seed": self.seed,
            "schedule": list(self.schedule), "replay": self.replay,
            "schedules_run": self.schedules_run, "steps": self.steps, "story": self.story,
            "diagnosis": self.diagnosis, "message": self.message, "found": self.found,
            "exhausted": self.exhausted, "counts": dict(self.counts),
            "elapsed": round(self.elapsed, 6), "leaked_threads": self.leaked_threads,
            "python": self.python, "trace": self.trace,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Result:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})

    def assert_ok(self) -> Result:
        """Raise AssertionError with the story unless the verdict is ok."""
        if self.verdict != "ok":
            raise AssertionError(self.story)
        return self

    def __bool__(self) -> bool:
        # ``assert explore(...)`` fails with the story as its message.
        self.assert_ok()
        return True

    def __str__(self) -> str:
        return self.story or f"{self.verdict} after {self.schedules_run} schedules"


def _as_workers(workers: Any) -> list[tuple[str, Callable[[Any], Any]]]:
    if callable(workers):
        return [("main", workers)]
    ws = list(workers)
    return [(f"T{i}", w) for i, w in enumerate(ws)]


def explore(
    setup: Callable[[], Any] | None,
    workers: Sequence[Callable[[Any], Any]] | Callable[[Any], Any],
    invariant: Callable[[Any], Any] | None = None,
    *,
    strategy: str = "bounded",
    schedules: int = 200,
    seed: int = 0,
    max_steps: int = 20000,
    stop_on_first: bool = True,
    timeout: float = 10.0,
    find: Callable[[Any], Any] | None = None,
    replay: str | None = None,
    preemption_bound: int = 2,
    pct_depth: int = 3,
    shrink: bool = True,
) -> Result:
    """Run ``workers`` under controlled interleavings.

    The default strategy, "bounded", first tries every schedule with at most one
    preemption (up to ``schedules`` of them: the same ones under every seed),
    then ``schedules`` random ones from ``seed``; the other strategies run up to
    ``schedules`` in all.

    Verdict "failed" when a worker raises or ``invariant(state)`` returns
    False / raises; "deadlock" when no thread can run but some have not
    finished; "livelock" past ``max_steps`` switch points in one schedule;
    "inconclusive" when the harness cannot control the code (a real,
    unmodelled blocking call; nothing happened for a while). With ``find``,
    searches instead for a schedule where ``find(state)`` is true at some
    switch point: verdict "ok" and ``found=True`` when one exists.
    ``timeout`` bounds the wall time (no new schedule starts after it).
    With ``shrink``, a failing schedule is first shrunk to a locally minimal
    one (fewest context switches, then fewest steps) that fails the same way;
    its story and replay token are reported.
    """
    if _running[0]:
        raise RuntimeError("explore() cannot be nested")
    replay = replay or _replay_default[0]
    if replay:
        strat = strategies.from_token(replay)
        schedules = 1
    else:
        strat = strategies.make(strategy, seed, preemption_bound=preemption_bound,
                                pct_depth=pct_depth, schedules=schedules, find=find is not None)
    named = _as_workers(workers)
    t0 = _real.monotonic()
    stall_limit = _stall_limit(timeout)
    counts: dict[str, int] = {}
    result: Result | None = None
    first_bad: Result | None = None
    ran = 0
    leaked = 0
    patches = patching.Patches()
    _running[0] = True
    primitives.Context.explorer = _real.get_ident()
    patches.install()
    tracing.install()
    try:
        for index in range(strat.runs(schedules)):
            if index and _real.monotonic() - t0 > timeout:
                break
            if not strat.begin(index):
                break
            ran += 1
            s, state, verdict, message = _run_one(strat, named, setup, invariant, find,
                                                 max_steps, stall_limit, patches)
            try:
                swapped = patches.tampered()
                if swapped:
                    verdict, message = "failed", _tamper_message(swapped)
                    s.detail = {"kind": "tamper"}
                    counts[verdict] = counts.get(verdict, 0) + 1
                    first_bad = _result(s, state, strat, verdict, message, ran)
                    result = None
                    break
                counts[verdict] = counts.get(verdict, 0) + 1
                if find is not None:
                    if s.witness_at is not None:
                        result = _result(s, state, strat, "ok", message, ran, witness=True)
                        result.found = True
                        break
                    if verdict == "inconclusive" and first_bad is None:
                        first_bad = _result(s, state, strat, verdict, message, ran)
                    continue
                if verdict != "ok" and first_bad is None:
                    first_bad = _result(s, state, strat, verdict, message, ran)
                    if shrink and verdict != "inconclusive" and not replay:
                        leaked += s.reclaim(max(1.0, stall_limit))
                        s = _NoReclaim()
                        first_bad = _shrunk(first_bad, strat.schedule, named, setup, invariant,
                                            max_steps, stall_limit, patches, ran)
                    if stop_on_first:
                        break
            finally:
                # The story is written: now the schedule's leftover threads may unwind.
                leaked += s.reclaim(max(1.0, stall_limit))
    finally:
        tracing.uninstall()
        patches.restore()
        primitives.Context.sched = None
        _running[0] = False
    elapsed = _real.monotonic() - t0
    if result is None:
        if first_bad is not None and first_bad.message.startswith("the code under test replaced"):
            result = first_bad
        elif find is not None:
            if first_bad is not None and counts.get("inconclusive") == ran:
                result = first_bad
            else:
                result = Result(
                    verdict="failed", strategy=strat.name, schedules_run=ran, found=False,
                    diagnosis=f"not found: no schedule out of {ran} reached a state where "
                              "the predicate holds",
                    message="no witness schedule found")
                result.story = f"failed: {result.diagnosis} (Python {PYTHON})"
        elif first_bad is not None:
            result = first_bad
        else:
            result = Result(verdict="ok", strategy=strat.name, schedules_run=ran,
                            story=f"ok: {ran} schedules, no failure{_coverage(strat)} "
                                  f"(Python {PYTHON})")
    result.schedules_run = ran
    result.counts = counts
    result.elapsed = elapsed
    result.leaked_threads = leaked
    result.exhausted = strat.exhausted
    return result


def exists(setup: Callable[[], Any] | None,
           workers: Sequence[Callable[[Any], Any]] | Callable[[Any], Any],
           predicate: Callable[[Any], Any], **kwargs: Any) -> Result:
    """Search for a schedule where ``predicate(state)`` holds at some switch point.

    Verdict "ok" (``found=True``) with the witness story when one exists,
    "failed" (``found=False``) otherwise.
    """
    return explore(setup, workers, None, find=predicate, **kwargs)


def _run_one(strat: strategies.Strategy, named: list[tuple[str, Callable[[Any], Any]]],
             setup: Callable[[], Any] | None, invariant: Callable[[Any], Any] | None,
             find: Callable[[Any], Any] | None, max_steps: int, stall_limit: float,
             patches: patching.Patches) -> tuple[Scheduler, Any, str, str]:
    s = Scheduler(strat, max_steps, predicate=find, real_types=primitives.REAL_TYPES)
    s.snapshot = _snapshot_names
    primitives.Context.sched = s
    patches.fresh_instances()
    state = setup() if setup is not None else None
    s.state = state
    for name, w in named:
        th = threading.Thread(name=name, daemon=True)
        th._cl_started = True  # type: ignore[attr-defined]
        s.spawn(th, (lambda w=w: w(state)))
    s.start()
    last_steps = -1
    last_change = _real.monotonic()
    while not s.done.acquire(timeout=0.05):
        now = _real.monotonic()
        if s.steps != last_steps:
            last_steps, last_change = s.steps, now
        elif now - last_change > stall_limit:
            s.harness_error(None, _describe_stall(s, now - last_change))
            if s.current is not None:
                s.current.leaked = True  # stuck in a real call: it cannot unwind now
            break
    strat.end(s.steps)
    _retire_threads(s)
    verdict = s.verdict
    message = s.message
    if verdict is None and invariant is not None:
        try:
            ok = invariant(state)
        except AssertionError as exc:
            ok, message = False, f"invariant failed: {exc}" if str(exc) else "invariant failed"
        except Exception as exc:  # noqa: BLE001 - reported as a failure of the code under test
            ok, message = False, f"invariant raised {type(exc).__name__}: {exc}"
        else:
            message = "invariant returned False" if ok is False else ""
        if ok is False:
            verdict = "failed"
            s.detail = {"kind": "invariant"}
    return s, state, verdict or "ok", message


def _coverage(strat: strategies.Strategy) -> str:
    """What the schedules run prove: every interleaving, or a sample."""
    if strat.exhausted:
        return "; the search covered every schedule (up to the order of independent steps)"
    return strat.coverage()


def _tamper_message(names: list[str]) -> str:
    return (f"the code under test replaced {', '.join(names)} while the interleaving explorer "
            "was running; code under test must use the threading, queue and time modules as "
            "they are, never reassign their names")


class _NoReclaim:
    """Stands for a schedule already reclaimed."""

    @staticmethod
    def reclaim(budget: float) -> int:
        return 0


#: Shrinking stops after this many replays or seconds, keeping the smallest failure so far.
SHRINK_REPLAYS = 150
SHRINK_SECONDS = 3.0


def _switches(choices: list[int]) -> int:
    return sum(1 for a, b in zip(choices, choices[1:], strict=False) if a != b)


def _candidates(choices: list[int]) -> list[list[int]]:
    """Smaller schedules to try, biggest cuts first (delta debugging over runs of one thread).

    A schedule is the list of threads chosen where several could run; after
    its end the replay keeps running the current thread, so a cut removes
    context switches.
    """
    runs: list[list[int]] = []
    for c in choices:
        if runs and runs[-1][0] == c:
            runs[-1][1] += 1
        else:
            runs.append([c, 1])

    def flat(rs: list[list[int]]) -> list[int]:
        return [t for t, m in rs for _ in range(m)]

    out: list[list[int]] = [[]]
    chunk = max(1, len(runs) // 2)
    while True:
        for i in range(0, len(runs), chunk):  # drop a block of runs: switches fewer
            out.append(flat(runs[:i] + runs[i + chunk:]))
        if chunk == 1:
            break
        chunk //= 2
    for i in range(len(runs)):  # shorten one run: a switch earlier, steps fewer
        if runs[i][1] > 1:
            shorter = [list(r) for r in runs]
            shorter[i][1] -= 1
            out.append(flat(shorter))
    seen: set[tuple[int, ...]] = {tuple(choices)}
    unique = []
    for c in out:
        if tuple(c) not in seen:
            seen.add(tuple(c))
            unique.append(c)
    return unique


def _shrunk(bad: Result, choices: list[int], named: list[tuple[str, Callable[[Any], Any]]],
            setup: Callable[[], Any] | None, invariant: Callable[[Any], Any] | None,
            max_steps: int, stall_limit: float, patches: patching.Patches, ran: int) -> Result:
    """A locally minimal schedule failing like ``bad``: fewest switches, then fewest steps."""
    best, best_choices = bad, list(choices)
    best_size = (_switches(best_choices), bad.steps)
    end = _real.monotonic() + SHRINK_SECONDS
    tries = 0
    improved = True
    while improved and tries < SHRINK_REPLAYS and _real.monotonic() < end:
        improved = False
        for cand in _candidates(best_choices):
            if tries >= SHRINK_REPLAYS or _real.monotonic() > end:
                break
            tries += 1
            strat = strategies.Replay(cand)
            strat.begin(0)
            s, state, verdict, message = _run_one(strat, named, setup, invariant, None,
                                                 max_steps, stall_limit, patches)
            try:
                if verdict != bad.verdict or patches.tampered():
                    continue
                size = (_switches(strat.schedule), s.steps)
                if size < best_size:
                    best = _result(s, state, strat, verdict, message, ran)
                    best_choices, best_size, improved = list(strat.schedule), size, True
                    break
            finally:
                s.reclaim(max(1.0, stall_limit))
    if best is not bad:
        best.strategy, best.seed = bad.strategy, bad.seed
        best.story += (f"\n(shrunk from a schedule of {bad.steps} steps to {best.steps}; "
                       f"the original: replay={bad.replay!r})")
    return best


def _retire_threads(s: Scheduler) -> None:
    """Make this schedule's Thread objects look finished to code running after it.

    Threads not yet reclaimed stay in the scheduler's table (so a thread that
    comes back from a real blocking call stops at its next switch point), but
    leave ``threading.enumerate()`` and report ``is_alive() == False``.
    """
    for ts in s.threads:
        th = ts.thread
        th._is_stopped = True  # type: ignore[attr-defined]
        if sys.version_info >= (3, 13):
            started = getattr(th, "_started", None)
            if started is not None:
                started._flag = False
        if ts.ident:
            threading._active.pop(ts.ident, None)  # type: ignore[attr-defined]


def _stall_limit(timeout: float) -> float:
    """How long the running thread may make no progress before it counts as blocked for real.

    2 s on an idle machine, longer in proportion to the load (a starved thread
    is not a blocked one), never longer than the exploration's own timeout.
    """
    try:
        load = os.getloadavg()[0] / (os.cpu_count() or 1)
    except (AttributeError, OSError):  # no load average on this platform
        load = 1.0
    return max(0.2, min(timeout, 2.0 * max(1.0, load)))


def _snapshot_names(s: Scheduler) -> None:
    s.names_snapshot = story_mod.Namer(s, s.state).names


def _describe_stall(s: Scheduler, waited: float) -> str:
    cur = s.current
    if cur is None:
        return f"no progress for {waited:.1f} s"
    frame = sys._current_frames().get(cur.ident)
    where = ""
    if frame is not None:
        top = f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno} " \
              f"({frame.f_code.co_name})"
        uf = user_frame(frame)
        if uf is not None and uf is not frame:
            import linecache

            src = linecache.getline(uf.f_code.co_filename, uf.f_lineno).strip()
            where = f" in {top}, called from {os.path.basename(uf.f_code.co_filename)}:" \
                    f"{uf.f_lineno}: {src}"
        else:
            where = f" in {top}"
    return (f"thread {cur.name} made no progress for {waited:.1f} s{where}: a blocking call the "
            "explorer does not model (a real lock, socket, subprocess...) or a long computation")


def _result(s: Scheduler, state: Any, strat: strategies.Strategy, verdict: str, message: str,
            ran: int, witness: bool = False) -> Result:
    steps, diagnosis, head, trace = story_mod.build(s, verdict, message, state, witness=witness)
    token = strat.token()
    lines = []
    if witness:
        lines.append(f"found in schedule {ran}, at step {s.witness_step}:")
    else:
        lines.append(f"{verdict}: {message}" if message and message != diagnosis else verdict)
    if steps:
        lines.append(steps)
    if diagnosis:
        lines.append(diagnosis)
    lines.append(f"replay: explore(..., replay={token!r})  or  pytest {REPLAY_OPTION}={token}"
                 f"  (Python {PYTHON})")
    return Result(verdict=verdict, strategy=strat.name, seed=strat.seed,
                  schedule=list(strat.schedule), replay=token, schedules_run=ran, steps=s.steps,
                  story="\n".join(lines), diagnosis=diagnosis, message=message,
                  trace={**trace, "replay": token})
