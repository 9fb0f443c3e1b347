"""Visible tests for e19: run `pytest exercises/e19_watchdog`."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from watchdog import Watchdog, thread_dump

#: A hang fails its test after 10 s, with a traceback that shows where it hung.
pytestmark = pytest.mark.timeout(10)


def wait_for(predicate, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_stall_is_reported_once():
    reports, reporters = [], []

    def report(text):
        reports.append(text)
        reporters.append(threading.get_ident())

    before = threading.active_count()
    with Watchdog(0.1, report):
        assert wait_for(lambda: reports), "never kicked for 0.1 s, yet no report came"
        time.sleep(0.4)
    assert len(reports) == 1, f"one stall, {len(reports)} reports: report once, then wait for a kick"
    assert threading.active_count() == before, (
        "the watchdog thread is still alive after the with block: __exit__ must stop it")
    own = f"(ident {reporters[0]})"
    assert own not in reports[0], (
        f"the dump shows the watchdog's own thread {own}, which only reports: leave it out "
        f"(thread_dump(skip=...) with the watching thread's ident):\n{reports[0]}")


def test_kicks_keep_it_quiet_and_rearm_it():
    reports = []
    with Watchdog(0.2, reports.append) as wd:
        for _ in range(30):
            wd.kick()
            time.sleep(0.01)
        assert reports == [], "kick() came every 10 ms, yet a stall was reported"
        assert wait_for(lambda: len(reports) == 1), "the kicks stopped, but no report came"
        wd.kick()
        assert wait_for(lambda: len(reports) == 2), "kick() must re-arm the watchdog for the next stall"


def test_the_dump_shows_a_blocked_thread_innermost_last():
    lock = threading.Lock()
    lock.acquire()

    def stuck_on_the_lock():
        lock.acquire()  # this line must be the last frame of this thread's section

    worker = threading.Thread(target=stuck_on_the_lock, name="stuck-worker", daemon=True)
    worker.start()
    time.sleep(0.05)
    try:
        text = thread_dump(skip=threading.get_ident())
    finally:
        lock.release()
    part = text[text.index("stuck-worker"):]
    assert "in stuck_on_the_lock" in part, f"the worker's section must show its frame:\n{text}"
    assert part.index("in run") < part.index("in stuck_on_the_lock"), "innermost frame last, please"
    assert "test_the_dump_shows" not in text, "the thread given as `skip` must be left out"


def test_a_failing_report_is_logged_and_watching_goes_on(caplog):
    calls = []

    def report(text):
        calls.append(text)
        if len(calls) == 1:
            raise RuntimeError("first report failed")

    with caplog.at_level(logging.ERROR), Watchdog(0.05, report) as wd:
        assert wait_for(lambda: calls), "no report came"
        wd.kick()
        assert wait_for(lambda: len(calls) == 2), "an exception in report must not end the watchdog"
    assert "first report failed" in caplog.text, "log the exception (logger.exception(...))"


def test_stop_is_prompt():
    before = threading.active_count()
    wd = Watchdog(10, lambda text: None)
    wd.start()
    time.sleep(0.05)
    start = time.perf_counter()
    wd.stop()
    took = time.perf_counter() - start
    assert took < 0.5, f"stop() took {took:.2f} s: it must wake the watching thread at once"
    assert threading.active_count() == before, "the watchdog thread is still alive after stop()"
    wd.stop()  # idempotent


def test_bad_arguments_and_start_twice():
    with pytest.raises(ValueError):
        Watchdog(0, print)
    wd = Watchdog(10, print)
    wd.start()
    try:
        with pytest.raises(RuntimeError):
            wd.start()
    finally:
        wd.stop()
