"""Hidden tests for e11_fault_isolation: run_isolated(tasks, timeout, workers=2).

The tasks are trusted probes (grader.probes.faults) whose fate is certain:
they return, raise, call os._exit(3), SIGKILL themselves, segfault or sleep
past the timeout.  Results come back as proxies; each field is checked exactly.
"""

from __future__ import annotations

import time

import pytest

from grader.driver.verdicts import SubjectDied
from grader.leaks import bounded_call, hang_report, leftover_workers, release, shutdown_warnings
from grader.probes.faults import ERROR_REPR

FAULTS = "grader.probes.faults"
SLACK = 15.0  # seconds a call may take beyond its tasks' own time, on a busy machine


@pytest.fixture(autouse=True)
def tidy(subject):
    """After each test, end the subject gently: its resource tracker unlinks what was left."""
    yield
    release(subject)


class Tasks:
    """Builds picklable tasks inside the subject: probes, or partials of probes."""

    def __init__(self, subject):
        self.subject = subject
        self._partial = subject.module("functools").partial

    def __getattr__(self, name: str):
        return self.subject.probe(f"{FAULTS}:{name}")

    def call(self, name: str, *args):
        return self._partial(self.subject.probe(f"{FAULTS}:{name}"), *args)


def use(subject, method: str = "spawn"):
    subject.module("multiprocessing").set_start_method(method, force=True)
    return subject.module(), Tasks(subject)


def run(subject, sub, tasks: list, timeout: float, workers: int, what: str) -> list[tuple]:
    """(status, value, error, exitcode) per task, with hangs and deaths explained."""
    out = bounded_call(sub.run_isolated, tasks, timeout, workers=workers,
                       deadline=timeout * len(tasks) + SLACK)
    if isinstance(out.error, SubjectDied):
        raise AssertionError(
            f"{what}: the process that called run_isolated died with the task ({out.error}). "
            "Each task must run in a worker process of its own (not a thread), so that "
            "os._exit, a signal or a segfault ends only that process") from None
    assert not out.hung, hang_report(subject, what, timeout * len(tasks) + SLACK)
    results = out.result()
    assert type(results) is list, f"{what} must return a list, got {type(results).__name__}"
    assert len(results) == len(tasks), f"{what} returned {len(results)} results for {len(tasks)} tasks"
    return [(r.status, r.value, r.error, r.exitcode) for r in results]


def check_order(got: list[tuple], statuses: list[str], what: str) -> None:
    """Statuses as expected, with a clear word when they are right but shuffled."""
    seen = [g[0] for g in got]
    shuffled = sorted(seen) == sorted(statuses) and seen != statuses
    assert seen == statuses, (
        f"{what} gave statuses {seen}, expected {statuses}"
        + (": the right results in the wrong order. Result i must belong to task i, whatever "
           "order the tasks finish in" if shuffled else ""))


def check_ok(got: tuple, value: object, what: str, i: int) -> None:
    assert got[0] == "ok", (f"{what}: task {i} returned {value!r}, but its status is {got[0]!r} "
                            f"(error={got[2]!r}, exitcode={got[3]!r}): the other tasks must be "
                            "unaffected by a failing one")
    assert got[1] == value, f"{what}: task {i} returned {value!r}, but its value is {got[1]!r}"


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_values_in_input_order(subject, method):
    sub, t = use(subject, method)
    tasks = [t.call("waits_for_flag_then_returns", "go", "first"),
             t.call("sets_flag_then_returns", "go", "second"),
             t.returns_42, t.call("echo", [1, "two", None]), t.worker_pid]
    what = f"run_isolated(5 tasks, timeout=20, workers=2) under {method}"
    got = run(subject, sub, tasks, 20.0, 2, what)
    values = ["first", "second", 42, [1, "two", None]]
    assert [g[1] for g in got[:4]] == values or [g[0] for g in got] != ["ok"] * 5, (
        f"{what}: values {[g[1] for g in got[:4]]} should be {values} (task 0 finishes last, but "
        "its result comes first): result i must belong to task i")
    for i, value in enumerate(values):
        check_ok(got[i], value, what, i)
    assert got[4][0] == "ok", f"{what}: task 4 returned its pid, but its status is {got[4][0]!r}"
    caller = subject.module("os").getpid()  # as the subject sees it (it may run in a PID namespace)
    assert got[4][1] != caller, (
        f"{what}: the task ran in the calling process (pid {caller}): each task must run "
        "in a worker process")


def test_exception_becomes_error(subject):
    sub, t = use(subject)
    what = "run_isolated([raises ValueError, returns 42], timeout=20, workers=1)"
    got = run(subject, sub, [t.raises_value_error, t.returns_42], 20.0, 1, what)
    assert got[0][0] == "error", (
        f"{what}: a task that raises must give status 'error', got {got[0][0]!r}")
    assert got[0][2] == ERROR_REPR, (
        f"{what}: error must be the repr of the exception, {ERROR_REPR!r}, got {got[0][2]!r}")
    assert got[0][1] is None, f"{what}: a failed task has no value, got {got[0][1]!r}"
    check_ok(got[1], 42, what, 1)


@pytest.mark.parametrize(("task", "exitcode", "how"), [
    ("exits_3", 3, "called os._exit(3)"),
    ("kills_itself", -9, "was killed by SIGKILL"),
    ("segfaults", -11, "segfaulted (SIGSEGV)"),
], ids=["os_exit", "sigkill", "segfault"])
def test_crash_is_reported_with_exit_code(subject, task, exitcode, how):
    sub, t = use(subject)
    tasks = [t.returns_42, getattr(t, task), t.call("echo", "after"), t.call("echo", "last")]
    what = f"run_isolated([returns 42, {task}, echo, echo], timeout=20, workers=1)"
    got = run(subject, sub, tasks, 20.0, 1, what)
    check_ok(got[0], 42, what, 0)
    assert got[1][0] == "crashed", (
        f"{what}: the process of task 1 {how}; its status must be 'crashed', got {got[1][0]!r}"
        f" (error={got[1][2]!r})")
    assert got[1][3] == exitcode, (
        f"{what}: the process of task 1 {how}, so its exitcode is {exitcode}; got {got[1][3]!r} "
        "(Process.exitcode after join(): negative numbers are signals)")
    check_ok(got[2], "after", what, 2)
    check_ok(got[3], "last", what, 3)


def test_timeout_kills_the_task(subject):
    """The task past its timeout is killed, and only it: a task beside it finishes in time.

    With two workers the hung task starts first; the second task takes 3 s, then
    the third (3 s too) runs while the hung task's timeout of 5 s passes.  The
    third's own 5 s are not over, so it must come back "ok": a timeout that stops
    every running task (like ``Pool.terminate()``) reports it as a timeout.
    """
    # forkserver: a task's time includes its worker's start-up, which a fork keeps short on a
    # loaded machine (2 s to spare here); the start method is not what this test is about.
    sub, t = use(subject, "forkserver")
    timeout, beside = 5.0, 3.0
    tasks = [t.sleeps_forever, t.call("sleeps_then_returns", beside, "second"),
             t.call("sleeps_then_returns", beside, "third")]
    what = (f"run_isolated([sleeps forever, sleeps {beside:g} s, sleeps {beside:g} s], "
            f"timeout={timeout:g}, workers=2)")
    start = time.monotonic()
    got = run(subject, sub, tasks, timeout, 2, what)
    took = time.monotonic() - start
    if [g[0] for g in got] == ["timeout", "ok", "timeout"]:
        raise AssertionError(
            f"{what} gave statuses ['timeout', 'ok', 'timeout']: the third task was still within "
            f"its own {timeout:g} s when the first task's timeout passed, and it was stopped too. "
            "Kill only the process of the task past its own deadline")
    check_order(got, ["timeout", "ok", "ok"], what)
    check_ok(got[1], "second", what, 1)
    check_ok(got[2], "third", what, 2)
    assert took < 2 * beside + SLACK, f"{what} took {took:.1f} s: a task past its timeout must be stopped"
    left = leftover_workers(subject)
    assert not left, (
        f"{what} returned, but processes are left: {'; '.join(left)}. A task past its timeout "
        "must be killed (Process.kill() or terminate(), then join())")


def test_no_child_left(subject):
    sub, t = use(subject)
    tasks = [t.exits_3, t.raises_value_error, t.sleeps_forever, t.returns_42, t.kills_itself]
    # 5 s: each task's time includes its worker's start-up, which takes a second on a loaded machine.
    what = "run_isolated([os._exit(3), raises, sleeps forever, returns 42, SIGKILL], timeout=5, workers=2)"
    got = run(subject, sub, tasks, 5.0, 2, what)
    check_order(got, ["crashed", "error", "timeout", "ok", "crashed"], what)
    left = leftover_workers(subject)
    assert not left, (f"{what} returned, but processes are left: {'; '.join(left)}: join every "
                      "worker, and kill the ones past their timeout")
    warnings = shutdown_warnings(subject)
    assert not warnings, (
        "pipes, queues or locks were never released (the resource tracker cleaned up after the "
        f"process ended): {warnings[0]}")
