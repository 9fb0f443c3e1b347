"""Die with the parent: a grader killed mid-run leaves no driver or subject behind.

Drivers and subjects run in sessions of their own (so a budget kill reaches
their whole group), which also means nothing kills them when their parent
dies.  A daemon thread notices the parent is gone and takes the group down.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

import psutil


def exit_with_parent(interval: float = 0.5) -> None:
    """Start watching; when the parent changes, kill this process tree and exit."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        kill_tree(os.getpid())
        os._exit(70)

    threading.Thread(target=watch, name="concurlab-lifeline", daemon=True).start()


def kill_tree(pid: int, sig: int = signal.SIGKILL) -> None:
    """Kill a process group and every descendant, even those that called setsid."""
    try:
        descendants = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        descendants = []
    for proc in descendants:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.send_signal(sig)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)  # last: the group may include the caller
