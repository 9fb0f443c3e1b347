"""Hidden tests for e16_rwlock: RWLock with acquire/release_read/write and context managers.

Sharing, exclusion, wake-ups and fairness are judged by the interleaving
explorer inside the subject (``scenarios.py``), which chooses who runs at
every step and keeps virtual time, so "the writer was already waiting" is
certain, not a matter of sleeping long enough.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.driver.explored import explorer_says, settled

SCENARIOS = Path(__file__).parent / "scenarios.py"


def explored(subject, scenario: str, *args: object, schedules: int) -> dict:
    """Run ``scenario`` of scenarios.py inside the subject over ``schedules`` schedules."""
    run = getattr(subject.load(SCENARIOS), scenario)
    return settled(run(*args, schedules), schedules)


def raises_runtime_error(call, what: str) -> None:
    """Assert that ``call()`` raises RuntimeError; the message says which call should have."""
    try:
        call()
    except RuntimeError:
        return
    pytest.fail(f"{what} must raise RuntimeError, but it returned")


def test_release_errors(subject, seed):
    sub = subject.module()
    rw = sub.RWLock()
    raises_runtime_error(rw.release_read, "release_read() on a new RWLock (no reader holds it)")
    raises_runtime_error(rw.release_write, "release_write() on a new RWLock (no writer holds it)")
    rw.acquire_read()
    raises_runtime_error(rw.release_write, "release_write() while only a reader holds the lock")
    rw.release_read()
    raises_runtime_error(rw.release_read, "a second release_read() after one acquire_read()")
    rw.acquire_write()
    raises_runtime_error(rw.release_read, "release_read() while only a writer holds the lock")
    rw.release_write()
    raises_runtime_error(rw.release_write, "a second release_write() after one acquire_write()")
    for kind in ("read", "write"):
        result = explored(subject, "double_release", kind, seed, schedules=20)
        assert result["verdict"] == "ok", explorer_says(
            result, f"two threads released one {kind} lock at once and both succeeded")


def test_one_thread_in_turn(subject, seed):
    result = explored(subject, "one_thread_in_turn", seed, schedules=1)
    assert result["verdict"] == "ok", explorer_says(
        result, "one thread alone read, wrote, read again, then wrote with the context managers: "
                "each release must let the next acquire in")


def test_readers_share(subject, seed):
    result = explored(subject, "readers_share", seed, schedules=30)
    assert result["found"] is True, explorer_says(
        result, "two readers never held the read lock at the same time in any schedule: "
                "readers only look, so any number of them may read at once")


def test_writer_alone(subject, seed):
    result = explored(subject, "writer_with_company", seed, schedules=100)
    assert result["found"] is False, explorer_says(
        result, "a writer held the lock while someone else (a reader or another writer) held it "
                "too: a writer must be alone")
    assert result["writes"] > 0, (
        f"in none of {result['schedules_run']} schedules did a writer get the lock, so there "
        "was nothing to check")


def test_waiters_are_woken(subject, seed):
    result = explored(subject, "everyone_finishes", seed, schedules=60)
    assert result["verdict"] == "ok", explorer_says(
        result, "2 readers (twice each) and 2 writers: some schedule went wrong. Whoever leaves "
                "must wake the threads that were waiting for them (Condition.notify_all)")


def test_writer_not_starved(subject, seed):
    result = explored(subject, "writer_not_starved", seed, schedules=30)
    assert result["verdict"] == "ok", explorer_says(
        result, "reader R0 reads from t=0 to t=1.5 s; a writer asks at t=0.5 s; readers R1 and "
                "R2 ask at t=1 s and t=2 s and each reads for 1 s. Once a writer waits, new "
                "readers must wait behind it, or overlapping readers keep it out forever.")
