"""Visible tests for e11: run `pytest exercises/e11_fault_isolation`.

Starting a process with spawn costs a fraction of a second, so most tests share one
`run_isolated` call (the `mixed` fixture): a crash, a slow answer, an error and a death by
signal, run side by side.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from dataclasses import dataclass

import pytest
from robust import run_isolated

#: Nothing in the mixed call hangs: a timeout this long is never reached by a working solution.
GENEROUS = 60
#: The hung task's timeout is at least this, and at least the time the mixed call took (4
#: spawns, 2 at a time: about 3 one after another), so about 3 times what one spawn took just
#: now: a spawned `answer` beside the hung task has time to finish even on a busy machine.
SHORT = 0.6


# Tasks live at module level so spawned workers can import them by name.
def answer():
    return 42


def slow_answer():  # on an idle machine, finishes after `fails`, which is given after it
    time.sleep(0.5)
    return 42


def fails():
    raise KeyError("missing")


def dies():
    os._exit(3)


def killed():
    os.kill(os.getpid(), signal.SIGKILL)


def hangs():
    time.sleep(30)


def _stop_leftovers() -> list[str]:
    """Kill the processes a solution left running (so the run ends now); their names."""
    left = multiprocessing.active_children()
    for child in left:
        child.kill()
        child.join()
    return [child.name for child in left]


@dataclass
class Mixed:
    """The shared call's outcome; what it raised is raised again in each test that reads it."""

    outcome: list | Exception
    seconds: float

    @property
    def results(self) -> list:
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


@pytest.fixture(scope="module")
def mixed_run() -> Mixed:
    """Spawned workers re-import the tasks by name: what fork hides, spawn shows."""
    multiprocessing.set_start_method("spawn", force=True)
    tasks = [dies, slow_answer, fails, killed]
    start = time.monotonic()
    try:
        outcome: list | Exception = run_isolated(tasks, timeout=GENEROUS)
    except Exception as exc:  # a failure of each test that reads it, not an error of all
        outcome = exc
    finally:
        _stop_leftovers()
    return Mixed(outcome, time.monotonic() - start)


def test_values_in_order(mixed_run: Mixed):
    mixed = mixed_run.results
    got = [r.status for r in mixed]
    assert got == ["crashed", "ok", "error", "crashed"], (
        f"dies, slow_answer, fails, killed gave {got}: results come in the order the tasks were "
        "given, not the order they finished")
    assert mixed[1].value == 42, f"slow_answer returns 42, got {mixed[1]}"


def test_error(mixed_run: Mixed):
    mixed = mixed_run.results
    got = mixed[2]
    assert (got.status, got.error) == ("error", "KeyError('missing')"), (
        f"a task that raises KeyError('missing'): expected status 'error' with its repr, got {got}")


def test_crash(mixed_run: Mixed):
    mixed = mixed_run.results
    assert len(mixed) == 4, f"4 tasks, {len(mixed)} results"
    assert (mixed[0].status, mixed[0].exitcode) == ("crashed", 3), (
        f"os._exit(3) in a task: expected ('crashed', exitcode 3), got {mixed[0]}")
    assert mixed[1].status == "ok", f"a crash must not affect other tasks: got {mixed[1]}"


def test_death_by_signal_keeps_its_sign(mixed_run: Mixed):
    mixed = mixed_run.results
    got = mixed[3]
    assert (got.status, got.exitcode) == ("crashed", -signal.SIGKILL), (
        f"a task killed by SIGKILL: expected ('crashed', exitcode {-signal.SIGKILL}), got {got}; "
        "a negative exitcode names the signal, a positive one what the process passed to exit: "
        "report Process.exitcode as it is")


def test_timeout_and_no_child_left(mixed_run: Mixed):
    short = round(min(10.0, max(SHORT, mixed_run.seconds)), 1)
    start = time.monotonic()
    try:
        got = run_isolated([hangs, answer], timeout=short)
    finally:
        left = _stop_leftovers()
    took = time.monotonic() - start
    assert not left, f"the timed-out process must be killed and joined; still running: {left}"
    assert took < short + 10, (
        f"run_isolated(timeout={short}) took {took:.1f} s: a task past its timeout must be stopped")
    assert got[0].status == "timeout", f"a task that sleeps 30 s with timeout={short}: got {got[0]}"
    if got[1].status == "timeout" and _lone_answer_takes() > short / 2:
        pytest.skip(f"this machine is too busy to start a process well within {short} s: "
                    "run again later")
    assert got[1].status == "ok", (
        f"answer() beside the hung task came back as {got[1]}: a timeout stops only the task past "
        "it, the others run on")


def _lone_answer_takes() -> float:
    start = time.monotonic()
    run_isolated([answer], timeout=GENEROUS)
    return time.monotonic() - start
