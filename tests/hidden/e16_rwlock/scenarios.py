"""Explorer scenarios for e16, run inside the subject (next to the submission).

Readers and writers record who is inside their critical section, so the
explorer can search for a forbidden state (a writer with company) or a
required one (two readers at once). Time is virtual: ``time.sleep`` passes
only while every thread waits, so "the writer is already waiting" is a fact
once a later sleep ends.
"""

from __future__ import annotations

import time

import rwlock

from grader.interleave import exists, explore


class Room:
    """What one schedule shares: the lock, who is inside, what happened in which order."""

    def __init__(self) -> None:
        self.rw = rwlock.RWLock()
        self.readers: set[str] = set()
        self.writers: set[str] = set()
        self.log: list[str] = []


def reader(name: str, rounds: int = 1, context_manager: bool = False):
    def read(r: Room) -> None:
        for _ in range(rounds):
            if context_manager:
                with r.rw.read_locked():
                    r.readers.add(name)
                    r.log.append(name)
                    r.readers.discard(name)
            else:
                r.rw.acquire_read()
                r.readers.add(name)
                r.log.append(name)
                r.readers.discard(name)
                r.rw.release_read()
    return read


def writer(name: str, context_manager: bool = False):
    def write(r: Room) -> None:
        if context_manager:
            with r.rw.write_locked():
                r.writers.add(name)
                r.log.append(name)
                r.writers.discard(name)
        else:
            r.rw.acquire_write()
            r.writers.add(name)
            r.log.append(name)
            r.writers.discard(name)
            r.rw.release_write()
    return write


def _mixed() -> list:
    return [reader("R0", 2), reader("R1", 2, context_manager=True), writer("W0"),
            writer("W1", context_manager=True)]


def one_thread_in_turn(seed: int, schedules: int) -> dict:
    """One thread takes the lock in every mode in turn, with the methods and the context managers."""
    def alone(r: Room) -> None:
        r.rw.acquire_read()
        r.rw.release_read()
        r.rw.acquire_write()
        r.rw.release_write()
        for step in (reader("R"), writer("W"), reader("R"), writer("W")):
            step(r)
        with r.rw.read_locked(), r.rw.read_locked():
            r.log.append("RR")

    def check(r: Room) -> None:
        assert r.log == ["R", "W", "R", "W", "RR"], f"entries: {r.log}"

    return explore(Room, [alone], check, schedules=schedules, seed=seed).to_dict()


def readers_share(seed: int, schedules: int) -> dict:
    """Search for a schedule where two readers are inside at the same time."""
    return exists(Room, [reader("R0"), reader("R1")], lambda r: len(r.readers) >= 2,
                  schedules=schedules, seed=seed).to_dict()


def writer_with_company(seed: int, schedules: int) -> dict:
    """Search for a schedule where a writer is inside together with anyone else.

    ``writes`` counts the writer entries seen over all schedules: code that
    never lets a writer in must not pass for safe.
    """
    rooms: list[Room] = []

    def setup() -> Room:
        rooms.append(Room())
        return rooms[-1]

    def company(r: Room) -> bool:
        return bool(r.writers) and len(r.writers) + len(r.readers) >= 2

    result = exists(setup, _mixed(), company, schedules=schedules, seed=seed).to_dict()
    result["writes"] = sum(name.startswith("W") for r in rooms for name in r.log)
    return result


def everyone_finishes(seed: int, schedules: int) -> dict:
    """2 readers (twice each) and 2 writers: every schedule ends with everyone done."""
    def check(r: Room) -> None:
        assert sorted(r.log) == ["R0", "R0", "R1", "R1", "W0", "W1"], (
            f"entries into the lock: {r.log}, expected R0 and R1 twice, W0 and W1 once")

    return explore(Room, _mixed(), check, schedules=schedules, seed=seed).to_dict()


def writer_not_starved(seed: int, schedules: int) -> dict:
    """R0 reads from t=0 to 1.5 s. W asks to write at 0.5 s. R1 asks at 1 s, R2 at 2 s (virtual).

    Writer-preferring: W waits for R0 only, and R1, R2 (who came after W started
    waiting) wait for W. A reader-preferring lock lets R1 in at 1 s and R2 at
    2 s, overlapping, while W keeps waiting.
    """
    def r0(r: Room) -> None:
        r.rw.acquire_read()
        r.log.append("R0 in")
        time.sleep(1.5)
        r.log.append("R0 out")
        r.rw.release_read()

    def w(r: Room) -> None:
        time.sleep(0.5)
        r.log.append("W asks")
        r.rw.acquire_write()
        r.log.append("W in")
        r.rw.release_write()

    def late_reader(name: str, at: float):
        def read(r: Room) -> None:
            time.sleep(at)
            r.rw.acquire_read()
            assert "W in" in r.log, (
                f"reader {name} asked at t={at:g} s, after the writer started waiting (t=0.5 s), "
                f"and got the read lock before the writer; log so far: {r.log}")
            r.log.append(f"{name} in")
            time.sleep(1.0)
            r.rw.release_read()
        return read

    return explore(Room, [r0, w, late_reader("R1", 1.0), late_reader("R2", 2.0)],
                   schedules=schedules, seed=seed).to_dict()


def double_release(kind: str, seed: int, schedules: int) -> dict:
    """One hold of the ``kind`` ("read" or "write") lock, released by two threads at once.

    A release that checks "someone holds it" in one critical section and
    changes the count in another lets both releases through: the lock then
    counts -1 readers, or has been released twice. At most one of the two may
    return; the other raises RuntimeError.
    """
    release = f"release_{kind}"

    def setup() -> Room:
        r = Room()
        getattr(r.rw, f"acquire_{kind}")()
        return r

    def releaser(name: str):
        def run(r: Room) -> None:
            try:
                getattr(r.rw, release)()
            except RuntimeError:
                r.log.append(f"{name} refused")
            else:
                r.log.append(f"{name} released")
        return run

    def check(r: Room) -> None:
        released = [entry for entry in r.log if entry.endswith("released")]
        assert len(released) <= 1, (
            f"one {kind} lock was held once, and two threads called {release}() at the same "
            f"time: both returned ({', '.join(r.log)}). Check that a {kind}er holds the lock and "
            "release it in one critical section; the second release must raise RuntimeError")

    return explore(setup, [releaser("T0"), releaser("T1")], check, seed=seed,
                   schedules=schedules).to_dict()
