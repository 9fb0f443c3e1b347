"""Tasks that succeed, fail or die in every way a worker process can (e11 fault isolation).

Module-level and argument-free (or wrapped in ``functools.partial``), so a
submission can pickle them to spawned workers.  Each one's fate is certain:
the test knows exactly which status, value, error and exit code to expect.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time

from grader import environment

#: ``repr`` of the exception :func:`raises_value_error` raises.
ERROR_REPR = "ValueError('task failed on purpose')"


def returns_42() -> int:
    return 42


def echo(value: object) -> object:
    """Use as ``functools.partial(echo, value)``: a task whose result is ``value``."""
    return value


def worker_pid() -> int:
    """The process the task ran in: shows whether it left the caller's process."""
    return os.getpid()


def sleeps_then_returns(seconds: float, value: object) -> object:
    time.sleep(seconds)
    return value


def raises_value_error() -> None:
    raise ValueError("task failed on purpose")


def exits_3() -> None:
    """Ends the process at once: no exception, no cleanup, exit code 3."""
    os._exit(3)


def kills_itself() -> None:
    """SIGKILL: the process vanishes without a word (exit code -9)."""
    os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(60)  # never reached: the signal is not catchable


def segfaults() -> None:
    """Reads address 0: SIGSEGV (exit code -11), as a buggy C extension would."""
    ctypes.string_at(0)


def sleeps_forever() -> None:
    """Runs past any timeout (bounded anyway, so a leak never outlives a grading by much)."""
    time.sleep(600)


def _flag(name: str) -> str:
    return os.path.join(os.environ.get(environment.PROBE_DIR, "/tmp"), name)


def sets_flag_then_returns(name: str, value: object) -> object:
    """Creates the flag file ``name``, then returns ``value`` at once."""
    with open(_flag(name), "w"):
        pass
    return value


def waits_for_flag_then_returns(name: str, value: object, after: float = 0.5,
                                limit: float = 10.0) -> object:
    """Returns ``value`` ``after`` seconds after the flag ``name`` appears (or after ``limit``).

    Run side by side with :func:`sets_flag_then_returns`, it surely ends last,
    whatever the scheduler does; run alone, it still ends (after ``limit``).
    """
    deadline = time.monotonic() + limit
    while not os.path.exists(_flag(name)) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(after)
    return value
