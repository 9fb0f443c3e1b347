"""Visible tests for e17: run `pytest exercises/e17_shutdown`."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from heartbeat import Heartbeat


def test_ticks_every_interval_after_a_first_wait():
    calls = []
    hb = Heartbeat(lambda: calls.append(time.monotonic()), 0.05)
    started = time.monotonic()
    hb.start()
    time.sleep(0.3)
    hb.stop()
    assert 3 <= len(calls) <= 7, f"{len(calls)} ticks in 0.3 s with interval=0.05 (expected ~5)"
    assert calls[0] - started >= 0.045, "the first tick comes one interval after start()"


def test_stop_is_prompt_and_joins_the_thread():
    before = threading.active_count()
    hb = Heartbeat(lambda: None, 10)
    hb.start()
    assert hb.running
    time.sleep(0.05)
    start = time.perf_counter()
    hb.stop()
    took = time.perf_counter() - start
    assert took < 0.1, f"stop() took {took:.2f} s with interval=10: wake the thread with an Event"
    assert not hb.running
    assert threading.active_count() == before, "the heartbeat thread is still alive after stop()"
    hb.stop()  # idempotent


def test_waiting_uses_no_cpu():
    hb = Heartbeat(lambda: None, 10)
    hb.start()
    cpu = time.process_time()
    time.sleep(0.3)
    used = time.process_time() - cpu
    hb.stop()
    assert used < 0.1, f"{used:.2f} s of CPU while waiting 0.3 s: the heartbeat busy-waits"


def test_a_failing_tick_is_logged_and_ticking_goes_on(caplog):
    calls = []

    def tick():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first tick failed")

    with caplog.at_level(logging.ERROR):
        hb = Heartbeat(tick, 0.02)
        hb.start()
        time.sleep(0.2)
        hb.stop()
    assert len(calls) >= 3, "an exception in tick must not stop the heartbeat"
    assert "first tick failed" in caplog.text, "log the exception (logger.exception(...))"


def test_bad_interval_and_start_twice():
    with pytest.raises(ValueError):
        Heartbeat(lambda: None, 0)
    hb = Heartbeat(lambda: None, 10)
    hb.start()
    try:
        with pytest.raises(RuntimeError):
            hb.start()
    finally:
        hb.stop()
