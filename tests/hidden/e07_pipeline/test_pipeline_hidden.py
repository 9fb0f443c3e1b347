"""Hidden tests for e07_pipeline: run_pipeline(items, stages, workers_per_stage=2, maxsize=8).

The input is a ``CallbackIterable`` living in the subject: every item read is a
callback, so the driver knows how far the submission has read.  Stages are
driver callbacks too (``InFlight``), so calls in flight and calls finished per
stage are measured here.  Every run_pipeline call runs in a driver thread with
its own deadline, so a hanging submission fails with a message, not a timeout.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from grader.driver.explored import judge
from grader.driver.subject import wait_until
from grader.driver.verdicts import Inconclusive
from grader.instruments import InFlight

#: Runs run_pipeline inside the subject and lists its threads alive the moment it returns.
JOINED = Path(__file__).parent / "joined.py"
#: Runs a small pipeline under the interleaving explorer inside the subject.
SYSTEMATIC = Path(__file__).parent / "systematic.py"
#: Schedules of that search: this many with at most one preemption, then as many random ones.
SCHEDULES = 60
#: A correct run in these tests takes well under a second; a hung one gets this long.
DEADLINE = 8.0


def same(x: Any) -> Any:
    return x


class Reads:
    """The driver side of the subject's CallbackIterable: counts items read."""

    def __init__(self, make: Callable[[int], Any] = lambda i: i):
        self._make = make
        self._lock = threading.Lock()
        self.count = 0

    def __call__(self, index: int) -> Any:
        with self._lock:
            self.count += 1
        return self._make(index)


class Call:
    """Runs ``fn`` in a driver thread; ``result()`` waits for it up to a deadline."""

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any):
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None
        self.finished_at = 0.0
        threading.Thread(target=self._run, args=(fn, args, kwargs), daemon=True).start()

    def _run(self, fn: Callable[..., Any], args: tuple, kwargs: dict) -> None:
        try:
            self.value = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - checked by the test
            self.error = exc
        self.finished_at = time.monotonic()
        self.done.set()

    def wait(self, why: str, seconds: float = DEADLINE) -> None:
        assert self.done.wait(seconds), f"run_pipeline did not return within {seconds:g} s: {why}"

    def result(self, why: str, seconds: float = DEADLINE) -> Any:
        self.wait(why, seconds)
        if self.error is not None:
            raise self.error
        return self.value


def overloaded() -> bool:
    """More runnable processes than twice the cores: latencies of a second mean nothing."""
    return os.getloadavg()[0] > 2 * (os.cpu_count() or 1)


def read_until_stalled(reads: Reads, bound: int, call: Call, limit: float = 3.0) -> int:
    """Wait until more than ``bound`` items were read, or the reading has clearly stopped.

    "Stopped" means no read for 0.5 s and for ten times the longest pause seen so far,
    so a busy machine that slows the reader down does not look like back-pressure.
    """
    start = last_change = time.monotonic()
    seen, longest = reads.count, 0.0
    while time.monotonic() - start < limit and not call.done.is_set():
        now = time.monotonic()
        if reads.count != seen:
            longest, last_change, seen = max(longest, now - last_change), now, reads.count
        if seen > bound or now - last_change > max(0.5, 10 * longest):
            break
        time.sleep(0.01)
    return reads.count


def stream(subject, reads: Reads, n: int):
    return subject.module("grader.probes.streams").CallbackIterable(reads, n)


def check_values(got: Any, expected: list, what: str) -> None:
    assert type(got) is list, f"run_pipeline must return a list, got {type(got).__name__}"
    assert len(got) == len(expected), f"{what}: expected {len(expected)} results, got {len(got)}"
    assert sorted(got) == sorted(expected), (
        f"{what}: the results are not each item passed through every stage in turn; "
        f"first expected {sorted(expected)[:5]}, got {sorted(got)[:5]}")


def test_each_stage_gets_the_previous_result(subject, seed):
    double, add_one = InFlight(lambda x: 2 * x), InFlight(lambda x: x + 1)
    reads = Reads()
    sub = subject.module()
    call = Call(sub.run_pipeline, stream(subject, reads, 20), [double, add_one],
                workers_per_stage=2, maxsize=3)
    got = call.result("20 quick items through 2 stages")
    check_values(got, [2 * i + 1 for i in range(20)], "stages [x*2, x+1] on 0..19")
    for name, stage in (("the first stage", double), ("the second stage", add_one)):
        assert not stage.repeated() and stage.total == 20, (
            f"{name} must be called once per item: {stage.total} calls for 20 items, "
            f"repeated: {stage.repeated()}")
    got = Call(sub.run_pipeline, [5, 6, 7], [add_one], workers_per_stage=1, maxsize=1).result(
        "a plain list of 3 items, 1 worker, maxsize=1")
    check_values(got, [6, 7, 8], "stage [x+1] on the list [5, 6, 7] with one worker, maxsize=1")
    # Threads left blocked after the call returned the right results end the search at once
    # (left_blocked): that fault is test_threads_joined_on_return's, not this test's.
    at_once = subject.load(SYSTEMATIC).workers_finish_at_once(SCHEDULES, seed)
    if not at_once["left_blocked"]:
        judge(at_once, "run_pipeline([1, 2], [double, plus_one], workers_per_stage=2) did not give "
                       "3 and 5 in this schedule, where a stage's two workers saw the end of input "
                       "at the same moment (a schedule that never ends means the end of input was "
                       "never passed on). Whatever a stage's workers share (how many are still "
                       "running, who forwards the end of input) must be read and changed under "
                       "one lock", SCHEDULES)


def test_results_in_input_order(subject):
    """Item 0 is held in stage 1 until every other item came out: it finishes last."""
    n, workers = 12, 3
    last = InFlight(lambda x: x + 1)
    others_done = threading.Event()

    def first(x: int) -> int:
        if x == 0:
            others_done.wait(6.0)
        return 2 * x

    def watch(x: int) -> int:
        value = last(x)
        if len(last.intervals) >= n - 1:  # item 0 is still held: all the others are done
            others_done.set()
        return value

    reads = Reads()
    call = Call(subject.module().run_pipeline, stream(subject, reads, n), [first, watch],
                workers_per_stage=workers, maxsize=2)
    got = call.result(f"{n} items, {workers} workers per stage")
    expected = [2 * i + 1 for i in range(n)]
    assert got == expected, (
        f"results must come back in input order: item 0 finished last, and the result was "
        f"{got}; expected {expected}. Remember each item's index and put results in their place")


def test_each_stage_runs_workers_per_stage_threads(subject):
    """Each stage call waits until `workers` calls of its stage run at once (or a deadline)."""
    n, workers = 24, 3
    deadline = time.monotonic() + 4.0

    def rendezvous() -> InFlight:
        met = threading.Event()

        def body(x: int) -> int:
            if not met.is_set():
                wait_until(lambda: met.is_set() or stage.running >= workers
                           or time.monotonic() > deadline,
                           timeout=max(0.0, deadline - time.monotonic()), interval=0.005)
                met.set()
            return x

        stage = InFlight(body)
        return stage

    stages = [rendezvous(), rendezvous()]
    call = Call(subject.module().run_pipeline, stream(subject, Reads(), n), stages,
                workers_per_stage=workers, maxsize=2)
    got = call.result(f"{n} items, 2 stages of {workers} workers")
    check_values(got, list(range(n)), "2 stages that return their item")
    for k, stage in enumerate(stages, 1):
        assert stage.peak <= workers, (
            f"stage {k} was running {stage.peak} calls at once, but workers_per_stage={workers}")
        assert stage.peak == workers, (
            f"stage {k} never ran more than {stage.peak} call(s) at once, with "
            f"workers_per_stage={workers} and items waiting: each stage needs its own "
            f"{workers} worker threads")


@pytest.mark.parametrize("held", ["first", "last"])
def test_input_is_read_lazily(subject, held):
    """With one stage stopped, the input may run at most the contract's bound ahead."""
    n, workers, maxsize = 60, 2, 2
    bound = (maxsize + workers) * (2 + 1)
    gate = threading.Event()

    def stopped(x: int) -> int:
        gate.wait(DEADLINE)
        return x

    fast = InFlight(same)
    stages = [stopped, fast] if held == "first" else [fast, stopped]
    reads = Reads()
    call = Call(subject.module().run_pipeline, stream(subject, reads, n), stages,
                workers_per_stage=workers, maxsize=maxsize)
    try:
        ahead = read_until_stalled(reads, bound, call)
    finally:
        gate.set()
    assert ahead <= bound, (
        f"while the {held} stage had finished no item, {ahead} of {n} items were read already; "
        f"with maxsize={maxsize}, workers_per_stage={workers} and 2 stages at most {bound} may be "
        "read ahead: use bounded queues (queue.Queue(maxsize)) and read the input in a thread "
        "that blocks when the first queue is full")
    got = call.result(f"{n} items once the {held} stage went on")
    check_values(got, list(range(n)), f"{n} items through 2 stages")


@pytest.mark.parametrize("failing", [0, 2])
def test_stage_exception_is_raised_within_a_second(subject, failing):
    """Stage `failing` of 3 raises on item 7 while the middle stage is slow."""
    n, workers = 200, 2
    raised_at: list[float] = []
    message = f"stage {failing + 1} failed on item 7"

    def maybe_fail(x: int) -> int:
        if x == 7:
            raised_at.append(time.monotonic())
            raise RuntimeError(message)
        return x

    stages = [InFlight(same), InFlight(same, delay=0.02), InFlight(same)]
    stages[failing] = InFlight(maybe_fail)
    reads = Reads()
    baseline = subject.resting_threads()
    call = Call(subject.module().run_pipeline, stream(subject, reads, n), stages,
                workers_per_stage=workers, maxsize=2)
    call.wait(f"stage {failing + 1} raised RuntimeError on item 7; run_pipeline must stop "
              "every thread and raise that exception (did a worker thread die silently, or do "
              "the others wait forever on a queue?)")
    running = sum(stage.running for stage in stages)
    assert isinstance(call.error, RuntimeError), (
        f"stage {failing + 1} raised RuntimeError({message!r}); run_pipeline must raise it, "
        f"but it {'returned ' + repr(call.value)[:80] if call.error is None else 'raised ' + repr(call.error)[:200]}")
    assert message in str(call.error), (
        f"run_pipeline must raise the stage's own exception RuntimeError({message!r}), "
        f"got {str(call.error)[:200]}")
    delay = call.finished_at - raised_at[0]
    if delay > 1.0 and overloaded():
        raise Inconclusive(f"run_pipeline raised {delay:.2f} s after the stage failed, but the "
                           f"machine was overloaded (load {os.getloadavg()[0]:.0f})")
    assert delay <= 1.0, (
        f"run_pipeline raised {delay:.2f} s after the stage failed; it must stop the other "
        "threads and raise within one second (threads blocked on a full or empty queue must "
        "notice the failure: wait with a timeout and check a stop flag)")
    assert running == 0, (
        f"run_pipeline raised while {running} stage call(s) were still running: join every "
        "thread before raising")
    totals, read = [stage.total for stage in stages], reads.count
    time.sleep(0.3)
    assert [stage.total for stage in stages] == totals and reads.count == read, (
        "stages were still called (or the input still read) after run_pipeline raised: "
        "every thread must be stopped and joined before it raises")
    assert wait_until(lambda: subject.process.num_threads() <= baseline, timeout=2.0), (
        f"{subject.process.num_threads() - baseline} thread(s) still alive after run_pipeline "
        "raised: stop and join every thread")


def test_threads_joined_on_return(subject):
    n, workers = 30, 4
    stages = [InFlight(same, delay=0.002), InFlight(same, delay=0.005), InFlight(same)]
    reads = Reads()
    baseline = subject.resting_threads()
    call = Call(subject.module().run_pipeline, stream(subject, reads, n), stages,
                workers_per_stage=workers, maxsize=2)
    got = call.result(f"{n} items through 3 stages")
    running = sum(stage.running for stage in stages)
    assert running == 0, f"run_pipeline returned while {running} stage call(s) were running"
    check_values(got, list(range(n)), f"{n} items through 3 stages")
    assert wait_until(lambda: subject.process.num_threads() <= baseline, timeout=2.0), (
        f"{subject.process.num_threads() - baseline} thread(s) still alive after run_pipeline "
        "returned: tell every worker the input has ended (a sentinel per worker) and join it")
    joined = subject.load(JOINED)
    for fail_at, how in ((None, "returned"), (7, "raised")):
        call = Call(joined.threads_left, 30, workers, fail_at)
        if not call.done.wait(DEADLINE):
            return  # a run that never ends fails the tests about results and errors, not this one
        got = call.result(how)
        if fail_at is None:
            check_values(got["result"], list(range(30)), "30 items through 3 stages")
        else:
            assert got["error"] and "stage failed on item 7" in got["error"], (
                f"a stage raised RuntimeError on item 7, but run_pipeline {got['error'] or 'returned'}")
        assert not got["left"], (
            f"run_pipeline {how} while {len(got['left'])} of its threads were still alive "
            f"({', '.join(got['left'][:4])}): setting a stop flag is not enough, `join()` every "
            f"thread before you {'return' if fail_at is None else 'raise'}")


def test_no_stages_and_bad_arguments(subject):
    sub = subject.module()
    reads = Reads(lambda i: f"item {i}")
    got = Call(sub.run_pipeline, stream(subject, reads, 5), []).result("no stages")
    assert got == [f"item {i}" for i in range(5)], (
        f"with no stages, run_pipeline(items, []) must return list(items), got {got!r}")
    stage = InFlight(same)
    for kwargs in ({"workers_per_stage": 0}, {"maxsize": 0}, {"workers_per_stage": -1}):
        reads = Reads()
        with pytest.raises(ValueError):
            Call(sub.run_pipeline, stream(subject, reads, 5), [stage], **kwargs).result(
                f"bad argument {kwargs}")
        assert reads.count == 0 and stage.total == 0, (
            f"{kwargs} must raise ValueError before any item is read or any stage called")
    reads = Reads()
    with pytest.raises(ValueError):
        Call(sub.run_pipeline, stream(subject, reads, 5), [], workers_per_stage=0).result(
            "bad argument with no stages")
    assert reads.count == 0, (
        "workers_per_stage=0 must raise ValueError even with no stages: check the arguments "
        "first, before reading the input")
