"""The interleaving explorer on small inline scenarios (runs in a few seconds)."""

from __future__ import annotations

import json
import os
import queue
import select
import threading
import time

import pytest

from grader.interleave import Result, exists, explore
from tests.engine import interleave_samples as samples

HERE = os.path.basename(__file__)


# ------------------------------------------------------------------ scenarios
class Counter:
    def __init__(self):
        self.value = 0
        self.lock = threading.Lock()

    def racy(self):
        tmp = self.value
        self.value = tmp + 1

    def racy_inplace(self):
        self.value += 1

    def locked(self):
        with self.lock:
            self.value += 1


def racy_worker(c):
    for _ in range(2):
        c.racy()


def inplace_worker(c):
    for _ in range(2):
        c.racy_inplace()


def locked_worker(c):
    for _ in range(2):
        c.locked()


def two_increments(c):
    return c.value == 4


class Two:
    def __init__(self):
        self.a = threading.Lock()
        self.b = threading.Lock()


def ab(s):
    with s.a:  # noqa: SIM117 - nested, as students write it
        with s.b:
            pass


def ba(s):
    with s.b:  # noqa: SIM117
        with s.a:
            pass


# ---------------------------------------------------------------- lost update
@pytest.mark.parametrize("worker", [racy_worker, inplace_worker], ids=["tmp", "inplace"])
def test_racy_counter_found_on_every_seed(worker):
    firsts = []
    for seed in range(20):
        r = explore(Counter, [worker, worker], two_increments, seed=seed, schedules=200)
        assert r.verdict == "failed", (seed, r.story)
        assert "lost update" in r.diagnosis
        assert "Counter.value" in r.diagnosis
        firsts.append(r.schedules_run)
    assert max(firsts) <= 10, firsts


def test_locked_counter_ok_over_2000_schedules():
    # The wall limit is the test's timeout, not explore's default 10 s: 2000 schedules take
    # about 5 s idle and more on a loaded machine, and the count is what this test is about.
    r = explore(Counter, [locked_worker, locked_worker], two_increments, schedules=2000,
                strategy="random", timeout=120)
    assert r.verdict == "ok", r.story
    assert r.schedules_run == 2000


def test_locked_counter_proven_by_the_systematic_search_in_a_few_schedules():
    r = explore(Counter, [locked_worker, locked_worker], two_increments, schedules=200,
                strategy="systematic")
    assert r.verdict == "ok" and r.exhausted, r.story
    assert r.schedules_run <= 30, r.schedules_run  # one-preemption pass, then the proof
    assert "covered every schedule" in r.story
    assert bool(r) is True


def test_bounded_default_finds_a_one_preemption_race_in_the_same_schedule_under_every_seed():
    found = [explore(Counter, [racy_worker, racy_worker], two_increments, seed=seed,
                     schedules=50, shrink=False) for seed in (0, 1, 7, 1000)]
    assert all(r.verdict == "failed" and r.strategy == "bounded" for r in found)
    assert len({(r.schedules_run, r.replay) for r in found}) == 1, [r.replay for r in found]


def test_bounded_default_then_samples_the_full_random_budget():
    r = explore(Counter, [locked_worker, locked_worker], two_increments, schedules=200, seed=5)
    assert r.verdict == "ok", r.story
    searched = r.schedules_run - 200
    assert 0 < searched < 200, r.schedules_run
    assert f"every schedule with at most one preemption ({searched} of them), then 200 random" in r.story
    capped = explore(Counter, [locked_worker, locked_worker], two_increments, schedules=5, seed=5)
    assert capped.schedules_run == 10 and "reached its budget" in capped.story, capped.story


def test_story_has_file_line_source_and_replay():
    r = explore(Counter, [racy_worker, racy_worker], two_increments, seed=3, strategy="random",
                shrink=False)
    assert f"{HERE}:" in r.story
    assert "tmp = self.value" in r.story
    assert "self.value = tmp + 1" in r.story
    assert "read Counter.value" in r.story and "wrote Counter.value" in r.story
    assert "replay: " in r.story and r.replay.startswith("random:")
    with pytest.raises(AssertionError, match="lost update"):
        assert r
    with pytest.raises(AssertionError, match="lost update"):
        r.assert_ok()


def test_same_seed_same_schedule_and_replay():
    a = explore(Counter, [racy_worker, racy_worker], two_increments, seed=11, schedules=50)
    b = explore(Counter, [racy_worker, racy_worker], two_increments, seed=11, schedules=50)
    assert a.to_dict()["schedule"] == b.to_dict()["schedule"]
    assert (a.replay, a.verdict, a.diagnosis) == (b.replay, b.verdict, b.diagnosis)
    again = explore(Counter, [racy_worker, racy_worker], two_increments, replay=a.replay)
    assert again.verdict == "failed" and again.schedules_run == 1
    assert again.schedule == a.schedule and again.diagnosis == a.diagnosis
    by_list = explore(Counter, [racy_worker, racy_worker], two_increments,
                      replay="schedule:" + ".".join(map(str, a.schedule)))
    assert by_list.verdict == "failed" and by_list.diagnosis == a.diagnosis


def test_to_dict_is_plain_json():
    r = explore(Counter, [racy_worker, racy_worker], two_increments)
    d = r.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert Result.from_dict(d).verdict == "failed"


@pytest.mark.parametrize("strategy", ["pct", "exhaustive"])
def test_other_strategies_find_the_race(strategy):
    r = explore(Counter, [racy_worker, racy_worker], two_increments, strategy=strategy,
                schedules=300)
    assert r.verdict == "failed", r.story
    again = explore(Counter, [racy_worker, racy_worker], two_increments, replay=r.replay)
    assert again.verdict == "failed"


def test_exhaustive_covers_a_tiny_scenario():
    r = explore(Counter, [locked_worker, locked_worker], two_increments, strategy="exhaustive",
                schedules=5000, preemption_bound=2)
    assert r.verdict == "ok" and r.exhausted, (r.schedules_run, r.story)


# ------------------------------------------------------------------- deadlock
def test_ab_ba_deadlock_with_cycle():
    r = explore(Two, [ab, ba], seed=0)
    assert r.verdict == "deadlock", r.story
    assert "T0 holds a and waits for b" in r.diagnosis, r.diagnosis
    assert "T1 holds b and waits for a" in r.diagnosis, r.diagnosis
    assert "with s.b:" in r.story


def test_naive_philosophers_deadlock_and_ordered_ok():
    r = explore(None, lambda s: samples.dine(3, 1), seed=1)
    assert r.verdict == "deadlock", r.story
    assert "forks[" in r.diagnosis and r.diagnosis.count("waits for") == 3, r.diagnosis
    r = explore(None, lambda s: samples.dine(3, 1, ordered=True), schedules=300)
    assert r.verdict == "ok", r.story


def test_exists_non_neighbours_eat_at_once():
    r = exists(set, lambda s: samples.dine(4, 1, eating=s, ordered=True),
               lambda s: {0, 2} <= s or {1, 3} <= s, schedules=500)
    assert r.verdict == "ok" and r.found, r.story
    assert "found" in r.story


def test_exists_reports_not_found():
    class S:
        def __init__(self):
            self.lock = threading.Lock()
            self.inside = 0

    def w(s):
        with s.lock:
            s.inside += 1
            s.inside -= 1

    r = exists(S, [w, w], lambda s: s.inside == 2, schedules=200)
    assert r.verdict == "failed" and r.found is False
    assert "not found" in r.diagnosis


# ------------------------------------------------------------------ conditions
class Buffer:
    def __init__(self):
        self.items = []
        self.cond = threading.Condition()


def consume_if(b):
    with b.cond:
        if not b.items:
            b.cond.wait()
        b.items.pop()


def produce_two(b):
    for i in range(2):
        with b.cond:
            b.items.append(i)
            b.cond.notify()


def test_condition_if_instead_of_while():
    r = explore(Buffer, [consume_if, consume_if, produce_two], schedules=500)
    assert r.verdict == "failed", r.story
    assert "IndexError" in r.message
    assert "`while`" in r.diagnosis, r.story
    assert "b.cond.wait()" in r.story


def test_notify_lost_wakeup():
    found = []
    for seed in range(5):
        r = explore(samples.Slot, [samples.slot_put, samples.slot_put, samples.slot_get, samples.slot_get], seed=seed * 1000,
                    schedules=300)
        assert r.verdict == "deadlock", r.story
        assert r.diagnosis.startswith("lost wake-up"), r.story
        assert "cond" in r.diagnosis
        found.append(r.schedules_run)
    assert max(found) < 300


def test_notify_all_is_ok():
    def put(s):
        samples.slot_put(s, everyone=True)

    def get(s):
        samples.slot_get(s, everyone=True)

    r = explore(samples.Slot, [put, put, get, get], schedules=300)
    assert r.verdict == "ok", r.story


# ----------------------------------------------------------- virtual time
def test_timed_waits_are_deterministic_with_virtual_time():
    class S:
        def __init__(self):
            self.cond = threading.Condition()
            self.event = threading.Event()
            self.q = queue.Queue()
            self.log = []
            self.t0 = time.monotonic()

    def cond_waiter(s):
        with s.cond:
            ok = s.cond.wait(timeout=5)
        s.log.append(("cond", ok, round(time.monotonic() - s.t0, 6)))

    def event_waiter(s):
        s.log.append(("event-short", s.event.wait(0.5), round(time.monotonic() - s.t0, 6)))
        s.log.append(("event-long", s.event.wait(2.0), round(time.monotonic() - s.t0, 6)))

    def queue_waiter(s):
        try:
            s.q.get(timeout=3)
            s.log.append(("queue", True))
        except queue.Empty:
            s.log.append(("queue", False, round(time.monotonic() - s.t0, 6)))

    def setter(s):
        time.sleep(1.0)
        s.event.set()

    def check(s):
        return sorted(map(str, s.log)) == sorted(map(str, [
            ("event-short", False, 0.5), ("event-long", True, 1.0),
            ("queue", False, 3.0), ("cond", False, 5.0)]))

    start = time.monotonic()
    r = explore(S, [cond_waiter, event_waiter, queue_waiter, setter], check, schedules=100)
    assert r.verdict == "ok", r.story
    assert time.monotonic() - start < 5  # virtual, not real, seconds


def test_semaphore_barrier_and_join():
    class S:
        def __init__(self):
            self.sem = threading.BoundedSemaphore(1)
            self.barrier = threading.Barrier(2)
            self.inside = 0
            self.max_inside = 0
            self.order = []

    def w(s):
        with s.sem:
            s.inside += 1
            s.max_inside = max(s.max_inside, s.inside)
            s.inside -= 1
        s.order.append(s.barrier.wait())

    r = explore(S, [w, w], lambda s: s.max_inside == 1 and sorted(s.order) == [0, 1],
                schedules=200)
    assert r.verdict == "ok", r.story


# ------------------------------------------------- threads started by the code
def test_thread_subclass_defined_at_import_is_controlled():
    class Box:
        value = 0

    def main(box):
        ts = [samples.Worker(box) for _ in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()

    r = explore(Box, main, lambda b: b.value == 2, schedules=200)
    assert r.verdict == "failed" and "lost update" in r.diagnosis, r.story


def test_names_bound_at_import_do_not_escape():
    def two_deposits(acc):
        acc.deposit(1)
        acc.deposit(1)

    r = explore(samples.Account, [two_deposits, two_deposits], lambda a: a.balance == 4,
                schedules=300)
    assert r.verdict == "ok", r.story
    assert isinstance(samples.Account().lock, type(threading.Lock()))  # restored afterwards

    def reset():
        samples.count = 0

    r = explore(reset, [samples.bump_global, samples.bump_global], lambda s: samples.count == 2,
                schedules=300)
    assert r.verdict == "ok", r.story
    assert samples.GLOBAL_LOCK.__class__ is type(threading.Lock())


def test_real_lock_from_before_is_a_failure_of_the_code():
    r = explore(None, [lambda s: samples.SHARED.deposit(1)] * 2, schedules=20, timeout=2)
    assert r.verdict == "failed", r.story
    assert "real" in r.diagnosis and "interleave_samples.py" in r.diagnosis
    assert "threading.Lock() in __init__" in r.story


# --------------------------------------------------------- aborts and budgets
def test_bare_except_does_not_swallow_the_abort():
    class S(Two):
        def __init__(self):
            super().__init__()
            self.spins = 0

    def stubborn(first, second):
        def w(s):
            while True:
                try:
                    with getattr(s, first):  # noqa: SIM117
                        with getattr(s, second):
                            s.spins += 1
                except:  # noqa: E722 - the point of the test
                    s.spins += 1000
                try:  # noqa: SIM105
                    pass
                except BaseException:
                    pass
        return w

    states = []

    def setup():
        states.append(S())
        return states[-1]

    r = explore(setup, [stubborn("a", "b"), stubborn("b", "a")], max_steps=3000, seed=2,
                strategy="random")
    assert r.verdict in ("deadlock", "livelock"), r.story
    spins = states[-1].spins
    time.sleep(0.05)
    assert states[-1].spins == spins  # parked for good, nothing runs any more
    assert spins < 1000


def test_livelock_verdict():
    class S:
        flag = False

    def spin(s):
        while not s.flag:
            pass

    r = explore(S, [spin], max_steps=500)
    assert r.verdict == "livelock", r.story
    assert "livelock" in r.diagnosis and "T0" in r.diagnosis


def test_inconclusive_on_unmodelled_blocking_call():
    def blocker(s):
        select.select([], [], [], 1.5)

    t = time.monotonic()
    r = explore(None, [blocker, lambda s: None], timeout=0.3)
    assert r.verdict == "inconclusive", r.story
    assert "no progress" in r.diagnosis and HERE in r.diagnosis, r.diagnosis
    assert time.monotonic() - t < 1.5


def test_exception_in_worker_fails():
    def boom(s):
        raise ValueError("boom")

    r = explore(None, [boom, lambda s: None])
    assert r.verdict == "failed" and "ValueError" in r.message, r.story


def test_threads_look_finished_after_exploration():
    before = set(threading.enumerate())
    r = explore(Two, [ab, ba], seed=0)
    assert r.verdict == "deadlock"
    assert set(threading.enumerate()) == before
    made = []

    def main(s):
        t = threading.Thread(target=lambda: None)
        made.append(t)
        t.start()
        t.join()

    assert explore(None, main, schedules=3).verdict == "ok"
    assert not any(t.is_alive() for t in made)


# ------------------------------------------------------------------ shrinking
def test_a_failing_schedule_is_shrunk_and_its_replay_reproduces_it():
    kw = {"strategy": "random", "seed": 5, "schedules": 300}
    raw = explore(None, lambda s: samples.dine(3, 1), shrink=False, **kw)
    small = explore(None, lambda s: samples.dine(3, 1), **kw)
    assert raw.verdict == small.verdict == "deadlock", small.story
    assert small.steps <= raw.steps
    assert small.replay.startswith("schedule:") and "shrunk from" in small.story
    again = explore(None, lambda s: samples.dine(3, 1), replay=small.replay)
    assert again.verdict == "deadlock" and again.steps == small.steps, again.story


def test_story_marks_context_switches():
    r = explore(Counter, [racy_worker, racy_worker], two_increments)
    assert r.verdict == "failed"
    marked = [ln for ln in r.story.splitlines() if ln.startswith("> ")]
    assert marked, r.story


class Account:
    """A racy balance behind a property: the story shows the reads inside it, not the property."""

    def __init__(self):
        self._balance = 100

    @property
    def balance(self):
        return self._balance

    def withdraw(self, amount):
        if self.balance >= amount:
            self._balance = self.balance - amount


def test_story_reads_through_a_property_not_the_property_itself():
    r = explore(Account, [lambda a: a.withdraw(80), lambda a: a.withdraw(80)],
                lambda a: a._balance >= 0, strategy="exhaustive", schedules=200)
    assert r.verdict == "failed", r
    assert "read Account._balance (= 100)" in r.story, r.story
    assert "property object" not in r.story, r.story
