"""Visible tests for e17: run `pytest exercises/e17_shutdown`.

The last two tests use the interleaving explorer: it runs your threads one step at a
time in many orders, and its clock is virtual (a 10 s wait takes no real time), so it
can count how often an idle thread wakes up.
"""

from __future__ import annotations

import logging
import threading
import time

import pytest
from heartbeat import Heartbeat

from grader.interleave import explore
from grader.interleave.fresh import fresh_module

#: heartbeat.py run anew for each schedule: the locks it makes are then ones the explorer sees.
fresh_heartbeat = fresh_module("heartbeat")


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
    assert took < 0.5, f"stop() took {took:.2f} s with interval=10: wake the thread with an Event"
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


def test_two_starts_at_once_start_one_thread():
    def setup():
        return fresh_heartbeat().Heartbeat(lambda: None, 10), []

    def two_starts(s):
        hb, outcomes = s

        def start():
            try:
                hb.start()
                outcomes.append("started")
            except RuntimeError:
                outcomes.append("refused")

        threads = [threading.Thread(target=start) for _ in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        hb.stop()

    def one_started(s):
        assert sorted(s[1]) == ["refused", "started"], (
            f"two threads called start() at once: {s[1]}. Both saw no thread yet and both started "
            "one: check and start under one lock")

    result = explore(setup, two_starts, one_started, schedules=12)
    assert result.ok, result.story


def test_an_idle_heartbeat_sleeps_until_its_tick():
    def wait_a_second(hb):
        hb.start()
        time.sleep(1)  # virtual: no tick is due for 10 s
        hb.stop()

    result = explore(lambda: fresh_heartbeat().Heartbeat(lambda: None, 10), wait_a_second,
                     schedules=1, max_steps=2000)
    assert result.verdict != "livelock", (
        "with interval=10, the heartbeat thread kept waking up during its first second: it polls "
        "(a short sleep in a loop). Wait for the stop Event with the time left as its timeout:\n"
        + result.story)
    assert result.ok, result.story


def test_stop_waits_for_a_running_tick():
    def setup():
        log = []

        def slow_tick():
            log.append("tick starts")
            time.sleep(0.5)
            log.append("tick ends")

        return fresh_heartbeat().Heartbeat(slow_tick, 0.1), log

    def stop_during_the_first_tick(s):
        hb, log = s
        hb.start()
        time.sleep(0.2)  # virtual: the first tick runs from 0.1 s to 0.6 s
        hb.stop()
        log.append("stop returned")

    def tick_ended_first(s):
        assert s[1] == ["tick starts", "tick ends", "stop returned"], (
            f"stop() during a tick: {s[1]}. stop() returned while the tick still ran: after "
            "setting the Event, join the thread")

    result = explore(setup, stop_during_the_first_tick, tick_ended_first, schedules=10)
    assert result.ok, result.story
