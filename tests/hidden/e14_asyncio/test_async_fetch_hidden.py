"""Hidden tests for e14_asyncio: fetch_all(urls, fetch, limit, timeout) and run_blocking(fn, *args).

A coroutine cannot be a callback across the process boundary, so the async
``fetch`` and the event loop live in ``scenarios.py``, loaded into the subject;
each scenario returns plain data.  Counting and timing scenarios run in virtual
time (a virtual-clock loop): 10 fetches of 1 s, 3 at a time, take exactly 4 loop
seconds whatever the machine's load.  The loop-blocking scenarios run in real
time but judge by where the loop thread is, not by how long things took.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from grader.driver.subject import RemoteException
from grader.driver.verdicts import Inconclusive

SCENARIOS = Path(__file__).parent / "scenarios.py"
#: The loop thread parked in the submission this many times, or once for this long: blocked.
BLOCKED_EPISODES = 3
BLOCKED_SECONDS = 0.25


def scenarios(subject):
    return subject.load(SCENARIOS)


def pages(n: int, latency: float, prefix: str = "page") -> dict[str, float]:
    return {f"http://example.test/{prefix}/{i}": latency for i in range(n)}


def body(url: str) -> bytes:
    return f"<html>{url}</html>".encode()


def results_of(report: dict) -> dict:
    result = report["result"]
    assert type(result) is dict, f"fetch_all must return a dict, got {result}"
    return result


def test_returns_every_result(subject):
    latency = {**pages(6, 0.3), **pages(6, 0.7, "other")}
    report = scenarios(subject).fetch_pages(latency, 4)
    got = results_of(report)
    missing = sorted(set(latency) - set(got))
    assert not missing, f"{len(missing)} URLs have no result, e.g. {missing[0]}"
    wrong = [u for u in latency if got[u] != body(u)]
    assert not wrong, f"the value for {wrong[0]} is {got[wrong[0]]!r}, but fetch returned {body(wrong[0])!r}"
    assert len(got) == len(latency), f"expected {len(latency)} keys, one per URL, got {len(got)}"
    assert sorted(report["created"]) == sorted(latency), (
        "each URL must be fetched exactly once: fetch was called for "
        f"{len(report['created'])} URLs out of {len(latency)}")


def test_exceptions_are_values(subject):
    latency = pages(8, 0.5)
    failing = [u for i, u in enumerate(latency) if i % 3 == 1]
    report = scenarios(subject).fetch_pages(latency, 3, 60.0, failing)
    got = results_of(report)
    for url in failing:
        value = got.get(url)
        assert isinstance(value, RemoteException) and value.type_name == "ConnectionError", (
            f"fetch raised ConnectionError for {url}: its value must be that exception instance, "
            f"got {value!r}. Catch exceptions per URL so one failure does not end fetch_all")
        assert value.args == (f"refused: {url}",), f"the value for {url} must be the exception fetch raised"
    for url in sorted(set(latency) - set(failing)):
        assert got.get(url) == body(url), f"{url} did not fail, but its value is {got.get(url)!r}"


@pytest.mark.parametrize("limit", [1, 3])
def test_never_more_than_limit_in_flight(subject, limit):
    report = scenarios(subject).fetch_pages(pages(4 * limit, 1.0), limit)
    results_of(report)
    assert report["peak"] <= limit, (
        f"{report['peak']} fetches were running at once, but limit={limit}: wait for a free slot "
        "(an asyncio.Semaphore) before starting a fetch")
    assert report["peak"] == limit, (
        f"with limit={limit} and {4 * limit} fetches of 1 s, at most {report['peak']} ran at once: "
        "start them as tasks, so that up to `limit` wait at the same time")


def test_total_time_close_to_rounds_times_latency(subject):
    n, limit, latency = 10, 3, 1.0
    report = scenarios(subject).fetch_pages(pages(n, latency), limit)
    results_of(report)
    best = math.ceil(n / limit) * latency
    assert best - 0.01 <= report["elapsed"] <= best * 1.1, (
        f"{n} fetches of {latency:g} s with limit={limit} took {report['elapsed']:.2f} s of loop time; "
        f"{limit} at a time they take ceil({n}/{limit}) x {latency:g} = {best:g} s "
        f"(one after the other: {n * latency:g} s; all at once: {latency:g} s)")


def test_timeouts_are_values(subject):
    latency = {**pages(4, 0.2), **pages(2, 30.0, "slow")}
    report = scenarios(subject).fetch_pages(latency, 10, 1.0)
    got = results_of(report)
    for url, seconds in latency.items():
        value = got.get(url)
        if seconds > 1.0:
            assert isinstance(value, RemoteException) and value.type_name == "TimeoutError", (
                f"the fetch of {url} takes {seconds:g} s, past timeout=1.0: its value must be a "
                f"TimeoutError instance, got {value!r}")
        else:
            assert value == body(url), f"{url} took {seconds:g} s (under the timeout), but its value is {value!r}"
    assert report["elapsed"] < 5.0, (
        f"fetch_all took {report['elapsed']:.1f} s of loop time with timeout=1.0: a fetch past its "
        "timeout must be given up at the timeout, not waited out (asyncio.timeout or wait_for)")


def test_no_task_left_pending(subject):
    latency = {**pages(3, 0.2), **pages(3, 30.0, "slow")}
    report = scenarios(subject).fetch_pages(latency, 10, 1.0)
    results_of(report)
    running = sorted(u for u, fate in report["fate"].items() if fate == "running")
    assert not running, (
        f"fetch_all returned while the fetch of {running[0]} was still running: a fetch that timed "
        "out must be cancelled, not left behind")
    assert not report["pending"], (
        f"fetch_all returned with {len(report['pending'])} task(s) still pending, e.g. "
        f"{report['pending'][0]}: every task it started must be finished or cancelled when it returns")


def test_cancelling_fetch_all_cancels_its_fetches(subject):
    report = scenarios(subject).cancel_midway(6, 2, 10.0, 0.5)
    assert report["started"], "after 0.5 s of loop time, fetch_all had started no fetch"
    assert report["outcome"] == "cancelled", (
        f"the task running fetch_all was cancelled, but it {report['outcome']}: let CancelledError "
        "propagate")
    running = sorted(u for u, fate in report["fate"].items() if fate == "running")
    assert not running, (
        f"after fetch_all was cancelled, the fetch of {running[0]} was still running: cancelling "
        "fetch_all must cancel every fetch it started (a TaskGroup or gather does; asyncio.wait "
        "does not)")
    late = sorted(set(report["fate"]) - set(report["started"]))
    assert not late, f"after fetch_all was cancelled, fetches still started, e.g. {late[0]}"
    assert not report["pending"], f"tasks still pending after the cancellation: {report['pending'][:3]}"


def test_no_coroutine_left_unawaited(subject):
    box = scenarios(subject)
    finished, cancelled = box.fetch_pages(pages(6, 0.5), 2), box.cancel_midway(6, 2, 10.0, 0.5)
    results_of(finished)
    assert cancelled["started"], "after 0.5 s of loop time, fetch_all had started no fetch"
    for report in (finished, cancelled):
        assert not report["warnings"], (
            f"Python warned: {report['warnings'][0]}. A coroutine made by fetch(url) but never "
            "awaited (for instance when fetch_all is cancelled) never ran: call fetch(url) only "
            "when you are about to await it")


def test_loop_never_blocked_while_fetching(subject):
    """Judged by where the loop thread stays, not by how long fetch_all took.

    Blocking shows as the loop thread parked at one line of the submission: again
    and again (once per fetch), or for long.  One or two short stretches can be the
    machine not running the thread: a regrade, never a fail.
    """
    report = scenarios(subject).loop_stays_free(10, 10, 0.1)
    results_of(report)
    episodes = [(place, seconds) for place, seconds in report["stuck"]]
    if not episodes:
        return
    where, seconds = max(episodes, key=lambda e: e[1])
    if len(episodes) < BLOCKED_EPISODES and seconds < BLOCKED_SECONDS:
        raise Inconclusive(f"the loop thread stayed {seconds * 1000:.0f} ms at {where} once or twice: "
                           "a busy machine can do that")
    pytest.fail(
        f"while fetch_all ran, the event loop's thread stayed at {where} for "
        f"{seconds * 1000:.0f} ms ({len(episodes)} time(s)): a blocking call inside a coroutine "
        "(time.sleep, a plain socket or file read) stops every other task. Await instead "
        "(asyncio.sleep), or move it off the loop with run_blocking")


def test_run_blocking_keeps_the_loop_running(subject):
    report = scenarios(subject).blocking_beside_heartbeat(2.0)
    assert report["value"] == 42, f"run_blocking(fn, 20, 22) must return fn(20, 22) = 42, got {report['value']!r}"
    assert not report["loop thread"], (
        "run_blocking called fn on the event loop's own thread: while fn blocks, no other task "
        "runs. Run it in a worker thread (asyncio.to_thread or loop.run_in_executor)")
    assert report["ticks"], (
        "a heartbeat task ticking every 5 ms never ticked in 2 s while fn ran in another thread: "
        "run_blocking must await the result (asyncio.to_thread), not block the loop waiting for it")
    if report["ticks"] < 3:
        raise Inconclusive(f"the heartbeat ticked only {report['ticks']} times in 2 s (machine busy?)")


def test_run_blocking_returns_and_raises(subject):
    report = scenarios(subject).blocking_raises()
    assert report["raised"] == "ValueError", (
        "run_blocking(int, 'not a number') must raise the ValueError that int() raised, to the "
        f"awaiting task; got {report}")


def test_bad_limit(subject):
    box = scenarios(subject)
    for limit in (0, -2):
        report = box.bad_limit(limit)
        assert report["raised"] == "ValueError", (
            f"fetch_all(..., limit={limit}) must raise ValueError, got {report['raised'] or 'no error'}")
        assert not report["created"], f"limit={limit} must be refused before any fetch is made"
        assert not report["warnings"], f"limit={limit}: Python warned {report['warnings'][0]}"
