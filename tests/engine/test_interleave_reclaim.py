"""Threads of schedules the explorer ended early are reclaimed, not left parked."""

from __future__ import annotations

import os
import threading
import time

from grader.interleave import exists, explore
from tests.engine import interleave_samples as samples


def _os_threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # no procfs: count what Python knows
        return threading.active_count()


def _settled(limit: int, seconds: float = 2.0) -> int:
    """The OS thread count once exiting threads are gone (they exit just after reclaim)."""
    end = time.monotonic() + seconds
    n = _os_threads()
    while n > limit and time.monotonic() < end:
        time.sleep(0.01)
        n = _os_threads()
    return n


class Two:
    def __init__(self):
        self.a = threading.Lock()
        self.b = threading.Lock()
        self.spins = 0


def ab(s):
    with s.a, s.b:
        pass


def ba(s):
    with s.b, s.a:
        pass


def test_200_deadlocked_schedules_keep_the_thread_count_bounded():
    py0, os0 = threading.active_count(), _os_threads()
    r = explore(Two, [ab, ba], schedules=200, stop_on_first=False, seed=3, timeout=60,
                strategy="random")
    assert r.counts.get("deadlock", 0) >= 50, f"expected many deadlocked schedules: {r.counts}"
    assert r.leaked_threads == 0, f"{r.leaked_threads} threads did not unwind"
    assert threading.active_count() <= py0 + 2, "Thread objects of ended schedules still listed"
    n = _settled(os0 + 2)
    assert n <= os0 + 2, f"{n - os0} OS threads left behind by {r.counts['deadlock']} deadlocks"


def test_exists_through_many_deadlocks_keeps_the_thread_count_bounded():
    os0 = _os_threads()
    # Philosophers 0 and 2 never eat at once with 3 forks; each deadlock leaves threads behind.
    r = exists(None, lambda s: samples.dine(3, 1), lambda s: False, schedules=200, seed=5,
               strategy="random",
               timeout=60)
    assert r.found is False and r.counts.get("deadlock", 0) >= 20, r.counts
    n = _settled(os0 + 2)
    assert n <= os0 + 2, f"{n - os0} OS threads left behind: {r.counts}"


def test_bare_except_in_a_loop_is_reclaimed():
    states = []

    def setup():
        states.append(Two())
        return states[-1]

    def stubborn(first, second):
        def w(s):
            while True:
                try:
                    getattr(s, first).acquire()
                    getattr(s, second).acquire()
                    s.spins += 1
                except BaseException:  # noqa: S110 - the point of the test
                    pass
        return w

    os0 = _os_threads()
    r = explore(setup, [stubborn("a", "b"), stubborn("b", "a")], schedules=20, strategy="random",
                stop_on_first=False, max_steps=2000, seed=2)
    assert r.counts.get("deadlock", 0) + r.counts.get("livelock", 0) == 20, r.counts
    assert r.leaked_threads == 0, f"{r.leaked_threads} threads did not unwind"
    spins = [s.spins for s in states]
    time.sleep(0.05)
    assert [s.spins for s in states] == spins, "student code ran after its schedule"
    assert _settled(os0 + 2) <= os0 + 2


def test_pure_bytecode_loop_with_bare_except_is_reclaimed():
    def spin(s):
        while True:
            try:  # noqa: SIM105 - the bare except is the point of the test
                s.spins += 1
            except:  # noqa: E722
                pass

    os0 = _os_threads()
    r = explore(Two, [spin, spin], schedules=5, stop_on_first=False, max_steps=300,
                strategy="random")
    assert r.counts == {"livelock": 5}, r.counts
    assert r.leaked_threads == 0, f"{r.leaked_threads} threads did not unwind"
    assert _settled(os0 + 2) <= os0 + 2


def test_finally_blocks_of_an_aborted_schedule_run_after_its_story():
    log = []

    class S(Two):
        pass

    def w(first, second):
        def run(s):
            try:
                with getattr(s, first), getattr(s, second):
                    pass
            finally:
                log.append("unwound")
        return run

    r = explore(S, [w("a", "b"), w("b", "a")], seed=0, strategy="random", shrink=False)
    assert r.verdict == "deadlock", r.story
    assert "unwound" not in r.story
    assert log.count("unwound") == 2, log


def test_class_attribute_lock_is_modelled_and_restored():
    real = samples.Tally._lock
    r = explore(samples.Tally, [lambda t: t.bump()] * 2, lambda t: t.n == 2, schedules=50,
                timeout=5)
    assert r.verdict == "ok", r.story
    assert samples.Tally._lock is real, "the class attribute was not restored"


def test_story_shows_a_list_as_it_was_when_read():
    class Box:
        def __init__(self):
            self.items = []

    def add(b):
        seen = b.items
        seen.append(len(seen))

    def check(b):
        return len(b.items) == 1  # a deliberately false invariant: show the story

    r = explore(Box, [add, add], check, seed=0)
    assert r.verdict == "failed", r.story
    reads = [ln for ln in r.story.splitlines() if "read Box.items" in ln]
    assert reads and "(= [])" in reads[0], r.story
