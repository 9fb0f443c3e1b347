"""Attacks on the trusted driver's resources and on the job's limits (class 6).

The subject may send anything on its socket: a huge message, or thousands of
callback requests without waiting for answers.  The driver must stay small
(bounded memory per message, a bounded pool of threads) and end the job as
"resource limit exceeded" with the figure, never grow with the attack.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psutil
import pytest

from grader.driver import subject as driver_subject
from grader.driver.subject import ResourceLimitExceeded, Subject

HUGE_REPLY = '''
def attack():
    return "x" * (8 << 20)
'''

#: Writes raw callback requests on the subject's socket without waiting for answers.
REQUEST_FLOOD = '''
import json, os, socket
def attack(slow):
    args = open("/proc/self/cmdline", "rb").read().split(b"\\0")
    fd = int(args[args.index(b"--fd") + 1])
    sock = socket.socket(fileno=os.dup(fd))
    cid = int(slow.__name__.rsplit("_", 1)[1])
    line = lambda n: json.dumps({"op": "cb", "id": 10**6 + n, "cb": cid,
                                 "args": [], "kwargs": {"$d": []}}) + "\\n"
    sock.sendall("".join(line(n) for n in range(3000)).encode())
    return "flooded"
'''


def _subject(tmp_path: Path, source: str) -> Subject:
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "victim.py").write_text(source)
    return Subject(folder, "victim", call_timeout=20)


def test_a_huge_message_is_a_resource_limit_not_driver_memory(tmp_path: Path):
    sub = _subject(tmp_path, HUGE_REPLY)
    me = psutil.Process()
    before = me.memory_info().rss
    try:
        with pytest.raises(ResourceLimitExceeded, match=r"1 MiB"):
            sub.module().attack()
        grown = me.memory_info().rss - before
    finally:
        sub.close()
    assert sub.limits_exceeded, "the broken limit must be recorded for the report"
    assert grown < 64 << 20, f"the driver grew by {grown >> 20} MiB reading one message"


def test_a_request_flood_is_served_by_a_bounded_pool(tmp_path: Path):
    sub = _subject(tmp_path, REQUEST_FLOOD)
    release = threading.Event()
    peak = 0

    def slow() -> None:
        release.wait(5)

    try:
        with pytest.raises(ResourceLimitExceeded, match="requests in flight"):
            sub.module().attack(slow)  # the reply cannot arrive: the channel is cut first
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not sub._channel.closed:
            peak = max(peak, threading.active_count())
            time.sleep(0.01)
        peak = max(peak, threading.active_count())
        assert sub._channel.closed, "3000 callbacks in flight must break the channel's limit"
    finally:
        release.set()
        sub.close()
    assert peak < driver_subject.CALLBACK_WORKERS + 20, f"the driver ran {peak} threads at once"
    assert any("1024" in what for what in sub.limits_exceeded), sub.limits_exceeded
