"""Attacks on the subject's own loop: the tampering policy and the reply path (class 4).

Each submission here reaches the policy or the server through plain attribute
reads (frames, thread objects, the grader's modules) and tries to switch the
check off before it "passes".  The policy must flag every one, and a reply
that skipped the check must never reach the test as a value.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.driver.subject import Subject, SubjectFailure

#: Each attack is a module with ``attack()``: it disables what it can, then returns "passed".
ATTACKS = {
    "frame_walk_to_the_server": '''
import sys
def attack():
    frame = sys._getframe()
    while frame is not None:
        server = frame.f_locals.get("self")
        if type(server).__name__ == "Server":
            server.channel._handler = server.handle   # replies without the check
        frame = frame.f_back
    return "passed"
''',
    "thread_objects_to_the_channel": '''
import threading
def attack():
    for thread in threading.enumerate():
        target = getattr(thread, "_target", None)
        channel = getattr(target, "__self__", None)
        if type(channel).__name__ == "Channel":
            server = channel._handler.__self__
            channel._handler = server.handle
    return "passed"
''',
    "patch_the_grader_classes": '''
import sys
def attack():
    server = sys.modules["grader.subject.server"]
    server.Server._checked = lambda self, message: self.handle(message)
    policy = sys.modules["grader.subject.policy"]
    policy.Policy.flag = lambda self, what: None
    return "passed"
''',
    "settrace_then_a_thread": '''
import threading, time
def attack():
    threading.settrace(lambda *a: None)
    done = []
    t = threading.Thread(target=lambda: done.append(time.sleep(0)))
    t.start(); t.join()
    threading.settrace(None)
    return "passed"
''',
    "stamps_made_in_advance": '''
import sys
def attack():
    for nonce in range(1, 200):  # the check is clean now: stamps for later, tampered replies
        sys.audit("concurlab.check", nonce)
    return "passed"
''',
    "forged_stamp_on_the_evidence_pipe": '''
import os, json
def attack():
    args = open("/proc/self/cmdline", "rb").read().split(b"\\0")
    fd = int(args[args.index(b"--policy-fd") + 1])
    os.write(fd, (json.dumps({"stamp": 1, "mac": "0" * 32}) + "\\n").encode())
    return "passed"
''',
}


def _subject(tmp_path: Path, source: str) -> Subject:
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "victim.py").write_text(source)
    return Subject(folder, "victim", call_timeout=20)


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_switching_the_policy_off_is_tampering(tmp_path: Path, attack: str):
    sub = _subject(tmp_path, ATTACKS[attack])
    replies = []
    try:
        for _ in range(2):  # the second reply, if the first slipped through
            replies.append(sub.module().attack())
    except SubjectFailure:
        pass  # ended by the policy, or refused unstamped by the driver
    finally:
        sub.close()
    assert sub.flags, f"{attack} switched the policy off without evidence (replies: {replies})"


def test_honest_calls_are_stamped_and_clean(tmp_path: Path):
    sub = _subject(tmp_path, "import collections, threading, traceback\n"
                             "P = collections.namedtuple('P', 'x y')\n"
                             "def honest(n):\n"
                             "    t = threading.Thread(target=traceback.format_stack)\n"
                             "    t.start(); t.join()\n"
                             "    return [P(i, i).x for i in range(n)]\n")
    try:
        assert [sub.module().honest(3) for _ in range(5)] == [[0, 1, 2]] * 5
    finally:
        sub.close()
    assert sub.flags == [], f"an honest submission was flagged: {sub.flags}"
