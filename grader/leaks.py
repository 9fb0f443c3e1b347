"""Evidence about worker processes, taken from outside the submission (hidden tests).

- :func:`leftover_workers` lists the workers still there after a call
  (:mod:`grader.proctree` watches the process tree);
- :func:`bounded_call` turns a hang into a diagnosis instead of a stuck grader;
- :func:`shutdown_warnings` ends the subject and returns what its resource
  tracker said about semaphores and shared memory that were never released.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import psutil

from grader.driver.subject import Subject, wait_until
from grader.proctree import describe, workers


def leftover_workers(subject: Subject, timeout: float = 3.0) -> list[str]:
    """Workers still there (alive or zombie) after waiting up to ``timeout`` for them to go."""
    wait_until(lambda: not workers(subject.process), timeout=timeout, interval=0.05)
    return [describe(p) for p in workers(subject.process)]


class Outcome:
    """What :func:`bounded_call` saw: the value, the exception, or that it hung."""

    def __init__(self) -> None:
        self.value: Any = None
        self.error: BaseException | None = None
        self.hung = False

    def result(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


def bounded_call(fn: Callable[..., Any], *args: Any, deadline: float, **kwargs: Any) -> Outcome:
    """Call ``fn`` in a driver thread and wait at most ``deadline`` seconds.

    A hung call is left behind (its thread ends when the subject is killed at
    teardown), so the test can still look at the processes and say why.
    """
    outcome = Outcome()

    def run() -> None:
        try:
            outcome.value = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - handed to the test as evidence
            outcome.error = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(deadline)
    outcome.hung = thread.is_alive()
    return outcome


def exit_soon(delay: float = 0.2) -> None:
    """Runs in the subject: collect garbage, stop multiprocessing's helpers, end without atexit.

    Without atexit, nothing tidies up on the submission's behalf: whatever it
    left registered with the resource tracker is reported as leaked.  The
    tracker is stopped and waited for here, so its report is written before
    the subject ends (in the sandbox, the end of the subject ends its PID
    namespace, and the tracker with it).  The forkserver goes first: it holds
    the tracker open too.
    """
    gc.collect()

    def end() -> None:
        time.sleep(delay)
        gc.collect()
        from multiprocessing import forkserver, resource_tracker

        for helper in (getattr(forkserver, "_forkserver", None),
                       getattr(resource_tracker, "_resource_tracker", None)):
            with contextlib.suppress(Exception):  # private API: stop what it can
                helper._stop()
        os._exit(0)

    threading.Thread(target=end, daemon=True).start()


def _ended(proc: psutil.Process) -> bool:
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def _end_gently(subject: Subject, timeout: float) -> bool:
    """Kill the workers, end the subject without atexit, wait for its helpers to finish.

    The resource tracker outlives the subject by a moment: it unlinks what was
    never released (and says so on stderr), so nothing is left in /dev/shm.
    Returns whether the subject ended.
    """
    try:
        process = subject.process
    except psutil.Error:
        return True
    if _ended(process):
        return True
    started = workers(process)
    pids = {p.pid for p in started}
    helpers = [p for p in process.children(recursive=True) if p.pid not in pids]
    for proc in started:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    with contextlib.suppress(Exception):  # it died meanwhile: its tracker sees EOF anyway
        subject.module("grader.leaks").exit_soon()
    return wait_until(lambda: _ended(process) and all(_ended(h) for h in helpers),
                      timeout=timeout, interval=0.05) or _ended(process)


def shutdown_warnings(subject: Subject, timeout: float = 10.0) -> list[str]:
    """End the subject, let its resource tracker finish, return the tracker's warnings.

    The tracker unlinks what the subject's processes never released (named
    semaphores of queues and locks, shared memory segments) and says so on
    stderr: the leak is reported and nothing is left in /dev/shm.
    """
    if not _end_gently(subject, timeout) or not subject.wait_output(timeout):
        return ["the subject did not end: cannot read the resource tracker's report"]
    return [line.strip() for line in subject.output().splitlines()
            if "UserWarning: resource_tracker" in line]


def release(subject: Subject, timeout: float = 5.0) -> None:
    """Teardown for tests of worker processes: end the subject so its tracker cleans up.

    The grader then kills what is left with SIGKILL, which would also kill the
    tracker before it unlinked the semaphores and segments of a hung submission.
    """
    _end_gently(subject, timeout)


def _wchans(proc: psutil.Process) -> list[str]:
    """Where each thread of ``proc`` sleeps in the kernel ("" where Linux does not say)."""
    names = []
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{proc.pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{proc.pid}/task/{tid}/wchan") as f:
                names.append(f.read().strip())
    return names


def _state(proc: psutil.Process) -> str:
    """"zombie", "gone", "writing" (blocked on a full pipe), "waiting" or "unknown"."""
    try:
        if proc.status() == psutil.STATUS_ZOMBIE:
            return "zombie"
    except psutil.NoSuchProcess:
        return "gone"
    chans = _wchans(proc)
    if any("write" in c for c in chans):
        return "writing"
    if any(k in c for c in chans for k in ("read", "poll", "futex")):
        return "waiting"
    return "unknown"


_SAYS = {
    "zombie": "has ended but was never joined",
    "gone": "has just ended",
    "writing": "never exited: it is blocked writing its result into a pipe nobody reads",
    "unknown": "never exited: was it sent its sentinel, and were the results read before join()?",
}


def hang_report(subject: Subject, what: str, deadline: float) -> str:
    """Why a call into the subject did not return: one line per stuck worker, then the lesson."""
    procs = sorted(workers(subject.process), key=lambda p: p.pid)
    head = f"{what} did not return within {deadline:g} s"
    if not procs:
        return (f"{head}, and no worker process is left: it waits for something no worker "
                "will send (a result that was never put, or a worker that died)")
    states = [_state(p) for p in procs]
    writing = "writing" in states
    waiting = ("never exited: it waits its turn behind the blocked writer" if writing else
               "never exited: it is still waiting for a task: was it sent its sentinel?")
    lines = [f"worker {i} (pid {p.pid}) {_SAYS.get(state, waiting)}"
             for i, (p, state) in enumerate(zip(procs, states, strict=True), 1)]
    if writing:
        lines.append("A process that put data on a Queue cannot end until that data is read: "
                     "drain the results before join().")
    return head + ":\n" + "\n".join(lines)
