"""CPU-bound task functions that report where and when they ran.

Hidden tests hand these to submissions that must run work in worker
processes: ``subject.probe("grader.probes.speedup:burn")``.  They are
module-level (picklable under spawn), pure Python (they hold the GIL while
they compute), and each call appends one JSON line to
``$CONCURLAB_PROBE_DIR/tasks-<pid>.jsonl``:
``{"pid", "tid", "start", "end", "cpu", "label"}``, with ``start``/``end``
on ``time.monotonic()`` (CLOCK_MONOTONIC, system-wide on Linux, so it is
comparable across processes and with the driver) and ``cpu`` the calling
thread's CPU seconds.  Read them with :func:`grader.speedup.read_records`.
"""

from __future__ import annotations

import json
import linecache
import os
import threading
import time

from grader import environment

#: Environment variable naming the folder that collects task records.
PROBE_DIR_ENV = environment.PROBE_DIR

# Read this file's source now, while the grader imports it: a traceback through
# analyze() formatted in a forked worker then never opens a grader file from
# under the student's frames (which the subject's tampering policy would flag).
linecache.getlines(__file__)


def checksum(units: int) -> int:
    """The value ``burn(units)`` returns, without recording anything (for expected results)."""
    total = 0
    for i in range(units * 10_000):
        total = (total * 31 + i) % 1_000_003
    return total


def burn(units: int) -> int:
    """Compute for about ``units`` milliseconds (machine-dependent) and record the task."""
    return _recorded(str(units), units)


def analyze(text: str) -> int:
    """A document analysis: ``text`` is ``"<units> <words>..."``; returns ``checksum(units)``.

    Raises ``ValueError`` when the text contains the word ``corrupt`` (an
    analysis error the caller must capture per document).
    """
    head, _, rest = text.partition(" ")
    if "corrupt" in rest.split():
        raise ValueError(f"cannot analyse a corrupt document: {rest[:40]!r}")
    return _recorded(rest[:40], int(head))


def _recorded(label: str, units: int) -> int:
    start = time.monotonic()
    cpu0 = time.thread_time()
    value = checksum(units)
    record = {"pid": os.getpid(), "tid": threading.get_native_id(), "start": start,
              "end": time.monotonic(), "cpu": time.thread_time() - cpu0, "label": label}
    folder = os.environ.get(PROBE_DIR_ENV)
    if folder:
        fd = os.open(os.path.join(folder, f"tasks-{os.getpid()}.jsonl"),
                     os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (json.dumps(record) + "\n").encode())
        finally:
            os.close(fd)
    return value
