"""Attacks on the trusted driver's resources and on the job's limits (class 6).

The subject may send anything on its socket: a huge message, or thousands of
callback requests without waiting for answers.  The driver must stay small
(bounded memory per message, a bounded pool of threads) and end the job as
"resource limit exceeded" with the figure, never grow with the attack.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import psutil
import pytest

from grader.driver import subject as driver_subject
from grader.driver.subject import ResourceLimitExceeded, Subject, SubjectFailure

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


MEMORY_HOG = '''
def attack():
    hoard = []
    for _ in range(64):  # up to 2 GiB, touched
        hoard.append(bytearray(32 << 20))
    return len(hoard)
'''

TMPFS_FILL = '''
def attack(where):
    written = 0
    try:
        with open(where + "/fill", "wb") as f:
            for _ in range(40):  # 160 MiB
                f.write(b"x" * (4 << 20))
                f.flush()
                written += 4 << 20
    except OSError as exc:
        return ["refused", written, type(exc).__name__]
    return ["wrote", written, ""]
'''


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    from grader import environment, sandbox

    if not sandbox.cgroup_layout().get("memory"):
        pytest.skip(f"no memory cgroup here ({sandbox.cgroup_summary()}): rlimits only")
    monkeypatch.setenv(environment.LIMITS, json.dumps(
        {"memory": 256 << 20, "tmpfs": 64 << 20, "file_size": 256 << 20}))


def test_memory_of_the_whole_tree_is_bounded(tmp_path: Path, small_limits: None):
    sub = _subject(tmp_path, MEMORY_HOG)
    try:
        with pytest.raises(SubjectFailure):
            sub.module().attack()
    finally:
        sub.close()
    assert any("memory" in what and "256 MiB" in what for what in sub.limits_exceeded), (
        f"the memory limit must be reported with its figure: {sub.limits_exceeded}")


@pytest.mark.parametrize("where", ["/tmp", "/dev/shm", "."])
def test_in_memory_folders_are_bounded(tmp_path: Path, small_limits: None, where: str):
    from grader import sandbox

    if not sandbox.available():
        pytest.skip("bubblewrap does not run here: no private tmpfs to bound")
    sub = _subject(tmp_path, TMPFS_FILL)
    try:
        outcome, written, error = sub.module().attack(where)
    finally:
        sub.close()
    assert outcome == "refused" and written <= 64 << 20, (
        f"{where}: wrote {written >> 20} MiB into a 64 MiB tmpfs ({outcome} {error})")
