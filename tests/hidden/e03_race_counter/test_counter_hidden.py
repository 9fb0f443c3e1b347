"""Hidden tests for e03_race_counter: a Counter whose updates are never lost."""

from __future__ import annotations

from pathlib import Path

from grader.driver.explored import judge

SCENARIOS = Path(__file__).parent / "scenarios.py"
SCHEDULES = 300


def test_counts_in_one_thread(subject):
    counter = subject.module()
    c = counter.Counter()
    assert c.value == 0, f"Counter() must start at 0, value is {c.value!r}"
    c = counter.Counter(5)
    assert c.value == 5, f"Counter(5) must start at 5, value is {c.value!r}"
    c.increment()
    c.increment(3)
    assert c.value == 9, f"Counter(5), increment(), increment(3): value must be 9, got {c.value!r}"
    c.decrement()
    c.decrement(4)
    assert c.value == 4, f"then decrement(), decrement(4): value must be 4, got {c.value!r}"
    assert type(c.value) is int, f"value must be an int, got {type(c.value).__name__}"


def test_concurrent_increments_are_never_lost(subject, seed):
    scn = subject.load(SCENARIOS)
    result = scn.two_increments(seed, SCHEDULES)
    judge(result, "two threads call increment() on the same Counter and one update is lost")


def test_increments_and_decrements_are_never_lost(subject, seed):
    scn = subject.load(SCENARIOS)
    result = scn.increment_and_decrement(seed, SCHEDULES)
    judge(result, "increment(5) and decrement(3) run at once on the same Counter and one is lost")


def test_two_counters_do_not_block_each_other(subject, seed):
    scn = subject.load(SCENARIOS)
    result = scn.two_counters_at_once(seed, 100)
    assert result["verdict"] != "deadlock", (
        "two threads increment two *different* Counters; inside its critical section each waits "
        "for the other to get inside its own. They never both got in: one waited for a lock the "
        "other held, so all Counters share one lock. Give each Counter its own lock (create it "
        f"in __init__).\n{result['story']}")
    judge(result, "increment on two different Counters at once")
