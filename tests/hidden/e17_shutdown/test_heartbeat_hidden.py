"""Hidden tests for e17_shutdown: Heartbeat(tick, interval) with start(), stop(timeout), running.

``tick`` is a driver callback, so every tick is timed here.  Promptness is
measured against a 10 s interval (a sleeping thread would need seconds, a
correct one milliseconds); busy-waiting is measured as the subject's CPU time
and as the wake-ups of the idle heartbeat thread.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from grader.driver.explored import judge_proof_unless_spinning
from grader.driver.subject import wait_until
from grader.driver.verdicts import Inconclusive
from grader.instruments import InFlight, Stopwatch, Wakeups, context_switches

#: stop() must return well under 0.1 s by contract; measured from the driver, allow this
#: plus twice the round trip of a no-op call (a sleeping thread needs 1 s: stop's timeout).
PROMPT = 0.3
#: How long an idle heartbeat (interval=10) is watched, and the most wake-ups a second it may
#: have in that time: a blocked thread has none, a thread polling every 50 ms or less has more.
IDLE_WINDOW = 1.5
SYSTEMATIC = Path(__file__).parent / "systematic.py"
#: Every one-preemption schedule of two start() calls (the reference needs about 550, 2 s idle).
SYSTEMATIC_BUDGET = 2000
MAX_WAKEUPS_PER_SECOND = 20


class Ticks:
    """A tick callback that records when it was called (driver clock)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.times: list[float] = []

    def __call__(self, *_: object) -> None:
        with self._lock:
            self.times.append(time.monotonic())

    @property
    def count(self) -> int:
        return len(self.times)


def failing_tick(subject, ticks: Ticks, fail_first: int):
    """A subject-side ``tick()``: ``int(report(n))``, recorded here, raising for the first calls.

    ``report`` returns text for the first ``fail_first`` calls, so ``int()`` raises
    ``ValueError('... tick 1 failed on purpose')`` from C code: the traceback a correct
    solution logs holds only its own frames (built from stdlib pieces, no grader code).
    """

    def report(n: int) -> str:
        ticks()
        return f"tick {n} failed on purpose" if n <= fail_first else "0"

    b = subject.module("builtins")
    calls = b.map(report, subject.module("itertools").count(1))
    return subject.module("functools").partial(b.next, b.map(b.int, calls))


def cpu_seconds(subject) -> float:
    times = subject.process.cpu_times()
    return times.user + times.system


def test_ticks_every_interval(subject):
    interval = 0.1
    ticks = Ticks()
    hb = subject.module().Heartbeat(ticks, interval)
    started = time.monotonic()
    hb.start()
    try:
        ticked = wait_until(lambda: ticks.count >= 5, timeout=3.0)
    finally:
        hb.stop()
    assert ticked, (
        f"with interval={interval}, tick was called {ticks.count} time(s) in 3 s (expected "
        "about 30): call it in a loop in a background thread")
    for k, at in enumerate(ticks.times[1:], 2):
        assert at - started >= (k - 1) * interval * 0.9, (
            f"tick {k} came {at - started:.3f} s after start(), too early for interval={interval}: "
            "tick once per interval, not faster")


def test_first_tick_one_interval_after_start(subject):
    ticks = Ticks()
    hb = subject.module().Heartbeat(ticks, 10)
    started = time.monotonic()
    hb.start()
    try:
        early = wait_until(lambda: ticks.count >= 1, timeout=1.5)
    finally:
        hb.stop()
    assert not early, (
        f"with interval=10, tick was called {ticks.times[0] - started:.3f} s after start(): "
        "the first tick comes one interval after start(), so wait before the first call")


def test_stop_is_prompt_and_joins(subject):
    ticks = Ticks()
    baseline = subject.resting_threads()
    hb = subject.module().Heartbeat(ticks, 10)
    assert hb.running is False, "running must be False before start()"
    hb.start()
    process = subject.process
    assert wait_until(lambda: process.num_threads() > baseline, timeout=1.0), (
        "start() did not start a background thread")
    assert hb.running is True, "running must be True after start()"
    time.sleep(0.3)  # the thread is now waiting out its 10 s interval
    with Stopwatch() as rtt:
        hb.running  # noqa: B018 - a no-op call, timed
    with Stopwatch() as sw:
        hb.stop()
    limit = PROMPT + 2 * rtt.seconds
    if sw.seconds >= limit and limit > 0.8:
        raise Inconclusive(f"a no-op call took {rtt.seconds:.2f} s: too busy to time stop()")
    assert sw.seconds < limit, (
        f"stop() took {sw.seconds:.2f} s with interval=10; it must return at once (well under "
        "0.1 s): wait with threading.Event.wait(timeout) and set the event in stop(), so the "
        "thread wakes up immediately instead of sleeping out its interval")
    assert hb.running is False, "running must be False after stop()"
    assert wait_until(lambda: process.num_threads() <= baseline, timeout=2.0), (
        "the heartbeat thread is still alive after stop() returned: join it in stop()")
    with Stopwatch() as again:
        hb.stop()
    assert again.seconds < max(limit, 0.8), f"a second stop() took {again.seconds:.2f} s: it must be a no-op"


def test_stop_waits_for_a_running_tick(subject):
    """The tick in flight goes on for 1 s after stop() was called: stop() must wait for it."""
    stop_called = threading.Event()

    def slow() -> None:
        stop_called.wait(5.0)
        time.sleep(1.0)

    tick = InFlight(slow)
    baseline = subject.resting_threads()
    hb = subject.module().Heartbeat(tick, 0.05)
    hb.start()
    try:
        assert wait_until(lambda: tick.running == 1, timeout=2.0), (
            "with interval=0.05, tick was not called within 2 s")
    finally:
        stop_called.set()
        hb.stop(timeout=5.0)
    assert tick.running == 0, (
        "stop() returned while a tick was still running: after stop() the heartbeat thread "
        "must be finished (join it), so no tick runs after stop()")
    calls = tick.total
    time.sleep(0.2)
    assert tick.total == calls, f"tick was called {tick.total - calls} more time(s) after stop()"
    assert wait_until(lambda: subject.process.num_threads() <= baseline, timeout=2.0), (
        "the heartbeat thread is still alive after stop() returned: join it in stop()")


def test_waiting_burns_no_cpu(subject):
    """While it waits out a 10 s interval the heartbeat thread neither burns CPU nor wakes up.

    Polling a flag with ``time.sleep(0.001)`` costs little CPU but wakes the thread
    a thousand times a second; the driver counts the new threads' context switches
    in ``/proc`` (out of the submission's reach) as well as the process's CPU time.
    """
    pid = subject.process.pid
    resting = set(context_switches(pid))
    hb = subject.module().Heartbeat(Ticks(), 10)
    hb.start()
    try:
        time.sleep(0.2)  # the thread settles into its wait
        before = cpu_seconds(subject)
        with Stopwatch() as window, Wakeups(pid, resting) as woke:
            burning = wait_until(lambda: cpu_seconds(subject) - before >= 0.05, timeout=IDLE_WINDOW)
        used = cpu_seconds(subject) - before
    finally:
        hb.stop()
    assert not burning, (
        f"while waiting for a 10 s interval the heartbeat used {used:.2f} s of CPU in "
        f"{window.seconds:.2f} s: it busy-waits. Block instead: Event.wait(timeout) sleeps until "
        "the timeout or until the event is set, using no CPU")
    if not woke.threads:
        raise Inconclusive("no new thread of the heartbeat could be seen in /proc to count its wake-ups")
    assert woke.per_second <= MAX_WAKEUPS_PER_SECOND, (
        f"while waiting for a 10 s interval the heartbeat thread woke up {woke.count} times in "
        f"{woke.seconds:.2f} s ({woke.per_second:.0f} a second): it polls, which is busy-waiting however "
        "short each nap is. Block instead: Event.wait(timeout) sleeps until the timeout or until "
        "stop() sets the event, and wakes up exactly once")


def test_tick_exception_is_logged_and_ticking_goes_on(subject):
    ticks = Ticks()
    hb = subject.module().Heartbeat(failing_tick(subject, ticks, fail_first=2), 0.05)
    hb.start()
    try:
        went_on = wait_until(lambda: ticks.count >= 4, timeout=3.0)
        running = hb.running
    finally:
        hb.stop()
    assert went_on, (
        f"the first 2 ticks raised ValueError and then only {ticks.count} tick(s) came in 3 s: "
        "an exception in tick must not end the heartbeat (catch it inside the loop)")
    assert running is True, "running must stay True after a tick raised"
    logged = wait_until(lambda: "tick 1 failed on purpose" in subject.output(), timeout=1.0)
    assert logged, (
        "tick raised ValueError(\"... 'tick 1 failed on purpose'\"), but nothing about it was logged: "
        "log the exception (logging.getLogger(__name__).exception(...)) instead of hiding it")


def test_start_twice_and_bad_interval(subject):
    sub = subject.module()
    ticks = Ticks()
    for interval in (0, -1):
        with pytest.raises(ValueError):
            sub.Heartbeat(ticks, interval)
    baseline = subject.resting_threads()
    hb = sub.Heartbeat(ticks, 10)
    hb.start()
    try:
        with pytest.raises(RuntimeError):
            hb.start()
        process = subject.process
        settled = wait_until(lambda: process.num_threads() - baseline <= 1, timeout=2.0)
        extra = process.num_threads() - baseline
    finally:
        hb.stop()
    assert settled, (
        f"after start() and a refused second start(), {extra} threads were running: the second "
        "start() must start nothing")
    at_once = subject.load(SYSTEMATIC).start_twice_at_once(SYSTEMATIC_BUDGET)
    judge_proof_unless_spinning(at_once, "two threads called start() on one Heartbeat at the same moment, and both "
                         "got past the check: test and set 'started' under one lock, so that exactly "
                         "one start() wins and the other raises RuntimeError",
                "two start() calls")
