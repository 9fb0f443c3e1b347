"""Loaded into the subject: run the submission as a script, bounded, with its whole tree killed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys


def run(script: str, argv: list[str], timeout: float) -> dict:
    """``python script *argv`` in the subject's folder; its output, exit code, or that it hung."""
    proc = subprocess.Popen([sys.executable, script, *argv], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the script and every worker it started
    if timed_out:
        out, err = proc.communicate()
    return {"returncode": None if timed_out else proc.returncode, "stdout": out[-3000:],
            "stderr": err[-3000:], "timed_out": timed_out}
