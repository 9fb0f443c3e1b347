"""Visible tests for e14: run `pytest exercises/e14_asyncio`.

Each test runs its own event loop with ``asyncio.run``; fake fetches sleep with
``asyncio.sleep``, so the tests take well under a second when the code is right.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
import time
import warnings

import pytest
from async_fetch import fetch_all, run_blocking

#: A hang fails its test after 10 s, with a traceback that shows where it hung.
pytestmark = pytest.mark.timeout(10)

URLS = [f"http://example.test/{i}" for i in range(9)]


def body(url: str) -> bytes:
    return f"<html>{url}</html>".encode()


class FakeFetch:
    """``await fetch(url)`` sleeps ``delay`` s (like a network wait) and counts fetches in flight."""

    def __init__(self, delay: float = 0.05, failing: tuple[str, ...] = (), slow: tuple[str, ...] = ()):
        self.delay, self.failing, self.slow = delay, failing, slow
        self.running = self.peak = 0

    async def __call__(self, url: str) -> bytes:
        self.running += 1
        self.peak = max(self.peak, self.running)
        try:
            await asyncio.sleep(2.0 if url in self.slow else self.delay)
            if url in self.failing:
                raise ConnectionError(f"refused: {url}")
            return body(url)
        finally:
            self.running -= 1


def run(coroutine, seconds: float = 5.0):
    """Run a coroutine, failing (instead of hanging) after ``seconds``."""
    async def bounded():
        async with asyncio.timeout(seconds):
            return await coroutine
    return asyncio.run(bounded())


def test_every_url_gets_its_page():
    got = run(fetch_all(URLS, FakeFetch(), limit=3))
    assert got == {u: body(u) for u in URLS}


def test_a_failing_url_becomes_its_exception():
    got = run(fetch_all(URLS, FakeFetch(failing=(URLS[2],)), limit=3))
    assert isinstance(got[URLS[2]], ConnectionError), "the value for a failed URL is the exception"
    assert got[URLS[3]] == body(URLS[3]), "one failure must not affect the other URLs"


def test_at_most_limit_fetches_at_once_and_they_overlap():
    fetch = FakeFetch(delay=0.1)
    start = time.perf_counter()
    run(fetch_all(URLS, fetch, limit=3))
    elapsed = time.perf_counter() - start
    assert fetch.peak <= 3, f"{fetch.peak} fetches ran at once, but limit=3"
    assert fetch.peak == 3, f"only {fetch.peak} fetch ran at a time: start the fetches as tasks"
    assert elapsed < 9 * 0.1, (
        f"took {elapsed:.2f} s, as long as 9 fetches of 0.1 s one after another (3 at a time: ~0.3 s)")


def test_loop_never_blocked_while_fetching(monkeypatch):
    blocking = []
    real_sleep = time.sleep

    def sleep(seconds):
        with contextlib.suppress(RuntimeError):  # RuntimeError: no event loop runs in this thread
            asyncio.get_running_loop()
            blocking.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    run(fetch_all(URLS, FakeFetch(), limit=3))
    assert not blocking, (
        f"time.sleep({blocking[0]}) ran on the event loop's thread: every task stopped while it "
        "slept. Inside a coroutine, wait with `await asyncio.sleep(...)`")


def test_a_slow_fetch_times_out_as_a_value():
    start = time.perf_counter()
    got = run(fetch_all(URLS[:3], FakeFetch(slow=(URLS[0],)), limit=3, timeout=0.2))
    assert isinstance(got[URLS[0]], TimeoutError), f"a fetch past the timeout gives TimeoutError, got {got[URLS[0]]!r}"
    assert got[URLS[1]] == body(URLS[1])
    assert time.perf_counter() - start < 1.0, "give up on the slow fetch at the timeout"


def test_no_task_left_behind():
    async def main():
        await fetch_all(URLS[:3], FakeFetch(slow=(URLS[0],)), limit=3, timeout=0.1)
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        return [t for t in others if not t.done()]

    assert run(main()) == [], "fetch_all returned with tasks still pending: cancel what timed out"


def cancel_while_fetching() -> tuple[int, list[str]]:
    """Cancel fetch_all while 3 of its 9 slow fetches run: (fetches still running, warnings)."""
    fetch = FakeFetch(delay=5.0)

    async def main():
        task = asyncio.create_task(fetch_all(URLS, fetch, limit=3, timeout=10))
        for _ in range(100):  # until the first fetches are under way
            if fetch.running:
                break
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.01)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for _ in range(50):  # cancelled fetches unwind within a few loop turns
            if not fetch.running:
                break
            await asyncio.sleep(0.01)
        return fetch.running

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        running = run(main())
        gc.collect()
    return running, [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]


def test_cancelling_fetch_all_cancels_its_fetches():
    running, _ = cancel_while_fetching()
    assert running == 0, (
        f"fetch_all was cancelled, yet {running} of its fetches ran on: when fetch_all is "
        "cancelled, the tasks it started must be cancelled too (a TaskGroup, or gather, does it)")


def test_no_coroutine_left_unawaited():
    _, unawaited = cancel_while_fetching()
    assert not unawaited, (
        "fetch_all was cancelled with 6 of 9 fetches still waiting for a slot, and Python warned: "
        f"{unawaited[0]}. A coroutine made up front and never run is never awaited: make each "
        "fetch's coroutine only when its task starts")


def test_run_blocking_lets_other_tasks_run():
    ticks = []

    async def heartbeat():
        while True:
            await asyncio.sleep(0.01)
            ticks.append(1)

    def blocking(a, b):
        time.sleep(0.2)
        return a + b, threading.current_thread() is threading.main_thread()

    async def main():
        beat = asyncio.create_task(heartbeat())
        value = await run_blocking(blocking, 20, 22)
        beat.cancel()
        return value

    value, on_loop_thread = run(main())
    assert value == 42, "run_blocking returns fn's result"
    assert not on_loop_thread, "fn ran on the event loop's thread: run it in a worker thread"
    assert len(ticks) >= 5, f"the heartbeat ticked {len(ticks)} times in 0.2 s: the loop was blocked"


def test_bad_limit():
    with pytest.raises(ValueError):
        run(fetch_all(URLS, FakeFetch(), limit=0))
