"""Scenarios for e14, run inside the subject: fake async fetches on an event loop we own.

Coroutines cannot cross the process boundary, so the awaitable ``fetch`` is
made here, next to the submission; each scenario runs ``fetch_all`` or
``run_blocking`` on its own loop and returns plain data for the hidden test.
Timing scenarios run on a :class:`VirtualClockLoop`: virtual time jumps straight
to the next timer, so "10 fetches of 1 s, 3 at a time, take 4 s" holds exactly,
however busy the machine is.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import threading
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import async_fetch

#: A blocked event loop is one seen at the same instruction of the submission for this long.
STUCK = 0.03


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock jumps to the next timer whenever nothing is ready to run.

    Only waiting is skipped: every callback still runs, in the same order as on
    a real loop, so what the submission awaits and when is unchanged.  (The
    ``looptime`` package does the same, but its pytest plugin breaks pytest runs
    that lack pytest-asyncio, so it is not installed.)
    """

    def __init__(self) -> None:
        super().__init__()
        self._virtual_now = 0.0
        real_select = self._selector.select

        def select(timeout: float | None = None) -> list:
            ready = real_select(0)
            if ready or timeout == 0:
                return ready
            if timeout is None:  # no timer at all: only I/O or another thread can wake us
                return real_select(None)
            self._virtual_now += timeout
            return []

        self._selector.select = select  # type: ignore[method-assign]

    def time(self) -> float:
        return self._virtual_now


def body(url: str) -> bytes:
    return f"<html>{url}</html>".encode()


class FakeWeb:
    """``fetch(url)``: waits ``latency[url]`` loop seconds, then returns the page or raises.

    A plain function returning a coroutine, so creating a fetch and running it
    are told apart; each fetch's fate ("running", "done", "failed",
    "cancelled") is recorded, and the peak number running at once.
    """

    def __init__(self, latency: dict[str, float], failing: frozenset[str] = frozenset()):
        self.latency = latency
        self.failing = failing
        self.created: list[str] = []
        self.fate: dict[str, str] = {}
        self.running = 0
        self.peak = 0

    def __call__(self, url: str) -> Awaitable[bytes]:
        self.created.append(url)
        return self._fetch(url)

    async def _fetch(self, url: str) -> bytes:
        self.running += 1
        self.peak = max(self.peak, self.running)
        self.fate[url] = "running"
        try:
            await asyncio.sleep(self.latency[url])
            if url in self.failing:
                self.fate[url] = "failed"
                raise ConnectionError(f"refused: {url}")
            self.fate[url] = "done"
            return body(url)
        except asyncio.CancelledError:
            self.fate[url] = "cancelled"
            raise
        finally:
            self.running -= 1

    def summary(self) -> dict:
        return {"created": list(self.created), "fate": dict(self.fate), "peak": self.peak}


def _pending(loop: asyncio.AbstractEventLoop) -> list[str]:
    """Tasks of ``loop`` not finished, other than the one asking."""
    here = asyncio.current_task(loop)
    return sorted(repr(t.get_coro()) for t in asyncio.all_tasks(loop) if t is not here and not t.done())


def _describe(value: Any) -> Any:
    """The submission's result as plain data: a dict stays a dict, anything else is named."""
    if type(value) is dict:
        return value
    return f"<{type(value).__name__}>"


def _run(main: Callable[[], Awaitable[dict]], virtual: bool) -> dict:
    """Run ``main()`` on a fresh loop; add never-awaited warnings; leave no task behind."""
    loop = VirtualClockLoop() if virtual else asyncio.new_event_loop()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                report = loop.run_until_complete(main())
            finally:
                leftovers = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for task in leftovers:
                    task.cancel()
                if leftovers:
                    loop.run_until_complete(asyncio.wait(leftovers, timeout=5))
            gc.collect()
        report["warnings"] = sorted({str(w.message) for w in caught if "never awaited" in str(w.message)})
        return report
    finally:
        loop.close()


async def _fetch_all(urls: list[str], fetch: Callable, **kwargs: Any) -> Any:
    return await async_fetch.fetch_all(urls, fetch, **kwargs)


def fetch_pages(latencies: dict[str, float], limit: int, timeout: float = 60.0,
                failing: tuple[str, ...] = ()) -> dict:
    """``fetch_all`` over fake pages in virtual time: results, loop seconds, peak, pending."""
    web = FakeWeb(latencies, frozenset(failing))

    async def main() -> dict:
        loop = asyncio.get_running_loop()
        start = loop.time()
        result = await _fetch_all(list(latencies), web, limit=limit, timeout=timeout)
        elapsed = loop.time() - start
        return {"result": _describe(result), "elapsed": elapsed, "pending": _pending(loop),
                **web.summary()}

    return _run(main, virtual=True)


def bad_limit(limit: int) -> dict:
    """``fetch_all(..., limit=limit)``: what it raised, and what was fetched first."""
    web = FakeWeb({"http://example.test/a": 0.1, "http://example.test/b": 0.1})

    async def main() -> dict:
        try:
            await _fetch_all(list(web.latency), web, limit=limit)
        except Exception as exc:  # noqa: BLE001 - the test judges the type
            return {"raised": type(exc).__name__, **web.summary()}
        return {"raised": None, **web.summary()}

    return _run(main, virtual=True)


def cancel_midway(n: int, limit: int, latency: float, cancel_after: float) -> dict:
    """Cancel the task running ``fetch_all`` ``cancel_after`` loop seconds in; then look."""
    web = FakeWeb({f"http://example.test/slow/{i}": latency for i in range(n)})

    async def main() -> dict:
        loop = asyncio.get_running_loop()
        task = asyncio.ensure_future(_fetch_all(list(web.latency), web, limit=limit, timeout=60.0))
        await asyncio.sleep(cancel_after)
        started = dict(web.fate)
        task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(task, latency)
        outcome = ("cancelled" if task.cancelled() else "still running" if not task.done()
                   else f"returned {_describe(task.result())!r}" if task.exception() is None
                   else f"raised {type(task.exception()).__name__}")
        await asyncio.sleep(0)  # one more turn of the loop for cancellations in flight
        return {"started": started, "outcome": outcome, "pending": _pending(loop),
                "after": loop.time(), **web.summary()}

    return _run(main, virtual=True)


class StuckWatch:
    """Samples the loop thread's stack; records each stretch it stayed inside the submission.

    A coroutine that awaits leaves the thread at once; one that calls a blocking
    function (``time.sleep``, a socket read) keeps it at the same instruction of
    the submission, and every other task waits.  One short stretch can also be
    the operating system not running the thread; a blocking call shows up as
    the same stretch again and again, or as one long one.
    """

    def __init__(self, thread_id: int, interval: float = 0.004):
        self.thread_id = thread_id
        self.interval = interval
        self.episodes: list[tuple[str, float]] = []  # ("file:line", seconds) of each stretch >= STUCK
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="stuck-watch", daemon=True)
        self._file = async_fetch.__file__

    def __enter__(self) -> StuckWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _where(self) -> tuple | None:
        frame = sys._current_frames().get(self.thread_id)
        key, place = None, None
        while frame is not None:
            if key is None:
                key = (id(frame), frame.f_lasti, frame.f_code)
            if frame.f_code.co_filename == self._file:
                place = f"{frame.f_code.co_filename.rsplit('/', 1)[-1]}:{frame.f_lineno}"
                break
            frame = frame.f_back
        return (key, place) if place else None

    def _watch(self) -> None:
        since: tuple | None = None
        first = last = 0.0
        while True:
            stopping = self._stop.wait(self.interval)
            now = time.monotonic()
            seen = None if stopping else self._where()
            if since is not None and (seen is None or seen[0] != since[0]):
                if last - first >= STUCK:
                    self.episodes.append((since[1], last - first))
                since = None
            if stopping:
                return
            if seen is not None and since is None:
                since, first = seen, now
            last = now


def loop_stays_free(n: int, limit: int, latency: float) -> dict:
    """``fetch_all`` on a real loop while we watch whether the loop thread gets stuck in it."""
    web = FakeWeb({f"http://example.test/p/{i}": latency for i in range(n)})

    async def main() -> dict:
        with StuckWatch(threading.get_ident()) as watch:
            result = await _fetch_all(list(web.latency), web, limit=limit, timeout=60.0)
        return {"result": _describe(result), "stuck": watch.episodes, **web.summary()}

    return _run(main, virtual=False)


def blocking_beside_heartbeat(wait: float) -> dict:
    """``run_blocking(fn, 20, 22)`` while a heartbeat task ticks every 5 ms.

    ``fn`` waits (real time, at most ``wait`` s) until the heartbeat ticked 3
    times after it started: it returns at once if it runs beside the loop, and
    only after ``wait`` seconds if it blocks the loop's own thread.
    """
    ticks = [0]
    seen: dict[str, Any] = {}

    def fn(a: int, b: int) -> int:
        seen["thread"] = threading.get_ident()
        mark = ticks[0]
        deadline = time.monotonic() + wait
        while ticks[0] < mark + 3 and time.monotonic() < deadline:
            time.sleep(0.002)
        seen["ticks while fn ran"] = ticks[0] - mark
        return a + b

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(0.005)
            ticks[0] += 1

    async def main() -> dict:
        beat = asyncio.ensure_future(heartbeat())
        await asyncio.sleep(0.02)
        try:
            value = await async_fetch.run_blocking(fn, 20, 22)
        finally:
            beat.cancel()
        return {"value": value if type(value) is int else f"<{type(value).__name__}>",
                "loop thread": threading.get_ident() == seen.get("thread"),
                "ticks": seen.get("ticks while fn ran")}

    return _run(main, virtual=False)


def blocking_raises() -> dict:
    """``run_blocking`` of a function that raises: the exception must reach the awaiting task."""

    def fn(text: str) -> int:
        return int(text)

    async def main() -> dict:
        try:
            value = await async_fetch.run_blocking(fn, "not a number")
        except ValueError as exc:
            return {"raised": "ValueError", "message": str(exc)}
        except Exception as exc:  # noqa: BLE001 - reported to the test
            return {"raised": type(exc).__name__, "message": str(exc)}
        return {"raised": None, "value": repr(value)[:100]}

    return _run(main, virtual=False)
