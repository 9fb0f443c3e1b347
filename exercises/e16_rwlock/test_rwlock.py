"""Visible tests for e16: run `pytest exercises/e16_rwlock`.

The thread tests run under concurlab's interleaving explorer, which picks who
runs at every step and keeps *virtual* time: `time.sleep(1)` takes no real
time and ends only when every thread is waiting. A failure shows the schedule
step by step, with a token to replay it (`pytest --concurlab-replay=TOKEN`).
"""

from __future__ import annotations

import time

import pytest
from rwlock import RWLock

from grader.interleave import exists, explore


class Room:
    """What one schedule shares: the lock, and who is inside right now."""

    def __init__(self) -> None:
        self.rw = RWLock()
        self.readers: set[str] = set()
        self.writers: set[str] = set()
        self.log: list[str] = []


def reader(name: str):
    def read(r: Room) -> None:
        with r.rw.read_locked():
            r.readers.add(name)
            r.log.append(name)
            r.readers.discard(name)
    return read


def writer(name: str):
    def write(r: Room) -> None:
        with r.rw.write_locked():
            r.writers.add(name)
            r.log.append(name)
            r.writers.discard(name)
    return write


def test_release_without_acquire():
    rw = RWLock()
    with pytest.raises(RuntimeError):
        rw.release_read()
    with pytest.raises(RuntimeError):
        rw.release_write()


def test_readers_can_read_together():
    result = exists(Room, [reader("R0"), reader("R1")], lambda r: len(r.readers) == 2,
                    schedules=50)
    assert result.found, "two readers never held the read lock at the same time"


def test_writer_is_alone():
    def writer_with_company(r: Room) -> bool:
        return bool(r.writers) and len(r.readers) + len(r.writers) >= 2

    result = exists(Room, [reader("R0"), reader("R1"), writer("W0"), writer("W1")],
                    writer_with_company, schedules=100)
    assert not result.found, f"a writer was not alone:\n{result.story}"


def test_everyone_gets_in():
    def check(r: Room) -> None:
        assert sorted(r.log) == ["R0", "R1", "W0", "W1"], f"got in: {r.log}"

    result = explore(Room, [reader("R0"), reader("R1"), writer("W0"), writer("W1")], check,
                     schedules=100)
    assert result.ok, result.story


def test_waiting_writer_goes_before_new_readers():
    def r0(r: Room) -> None:
        with r.rw.read_locked():
            time.sleep(1.5)            # reads from t=0 to t=1.5

    def w(r: Room) -> None:
        time.sleep(0.5)                # asks for the write lock at t=0.5: must wait for R0
        with r.rw.write_locked():
            r.log.append("W")

    def r1(r: Room) -> None:
        time.sleep(1.0)                # asks at t=1: the writer is waiting already
        with r.rw.read_locked():
            assert r.log == ["W"], "R1 asked after the writer and must get in after it"

    result = explore(Room, [r0, w, r1], schedules=30)
    assert result.ok, result.story
