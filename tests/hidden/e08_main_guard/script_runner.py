"""Loaded into the subject: run the submission as a script, bounded, with its whole tree killed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import psutil


def _stop(proc: subprocess.Popen) -> None:
    """Kill the script and its workers, but give its resource tracker a moment to clean up.

    The tracker unlinks the semaphores a killed pool leaves behind once every
    other process of the script has gone; then the whole group is killed.
    """
    try:
        family = [psutil.Process(proc.pid), *psutil.Process(proc.pid).children(recursive=True)]
    except psutil.Error:
        family = []
    trackers = [p for p in family if "resource_tracker" in " ".join(_cmd(p))]
    for member in family:
        if member not in trackers:
            with contextlib.suppress(psutil.Error):
                member.kill()
    psutil.wait_procs(trackers, timeout=3)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def _cmd(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except psutil.Error:
        return []


def run(script: str, argv: list[str], timeout: float) -> dict:
    """``python script *argv`` in the subject's folder; its output, exit code, or that it hung."""
    proc = subprocess.Popen([sys.executable, script, *argv], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    started = time.monotonic()
    try:
        out, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        _stop(proc)
    if timed_out:
        out, err = proc.communicate()
    return {"returncode": None if timed_out else proc.returncode, "stdout": out[-3000:],
            "stderr": err[-3000:], "timed_out": timed_out,
            "seconds": round(time.monotonic() - started, 2)}
