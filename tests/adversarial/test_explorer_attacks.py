"""Attacks on the interleaving explorer (issue 10, class 1): it must not be blinded or lied to.

Each test plays what a hostile submission did against the old explorer (code
compiled under a file name that looks like library code, a patched name
swapped behind its back, a real lock of its own, a forged result dict) and
checks the explorer or the driver sees through it.
"""

from __future__ import annotations

import _thread
import os
import sysconfig
import threading

import pytest

from grader.driver.explored import judge
from grader.interleave import explore

RACY_COUNTER = """
class Counter:
    def __init__(self):
        self.value = 0

    def increment(self):
        self.value += 1
"""


def _counter_class(filename: str) -> type:
    namespace: dict = {"__name__": "counter"}
    exec(compile(RACY_COUNTER, filename, "exec"), namespace)
    return namespace["Counter"]


def _explore_counter(counter: type):
    return explore(counter, [lambda c: c.increment(), lambda c: c.increment()],
                   lambda c: c.value == 2, schedules=200, seed=1)


@pytest.mark.parametrize("filename", [
    "<counter>",
    "<frozen importlib._bootstrap>",
    "/tmp/venv/lib/python3.11/site-packages/counter.py",
    threading.__file__,
    os.path.join(sysconfig.get_paths()["purelib"], "counter.py"),
])
def test_code_under_a_library_file_name_is_still_under_test(filename):
    r = _explore_counter(_counter_class(filename))
    assert r.verdict == "failed", r.story
    assert "lost update" in r.diagnosis, r.story


def test_swapping_a_patched_name_fails_loudly():
    class FakeBarrier:
        def __init__(self, parties):
            pass

        def wait(self):
            return 0

    def swap(s):
        threading.Barrier = FakeBarrier

    r = explore(None, [swap, lambda s: None], schedules=5)
    assert r.verdict == "failed", r.story
    assert "threading.Barrier" in r.message and "replaced" in r.message
    assert threading.Barrier is not FakeBarrier  # the real one is back


def test_a_real_lock_of_its_own_is_the_submissions_failure():
    class Counter:
        def __init__(self):
            self.value = 0
            self.lock = _thread.allocate_lock()

        def increment(self):
            with self.lock:
                self.value += 1

    r = explore(Counter, [lambda c: c.increment(), lambda c: c.increment()],
                lambda c: c.value == 2, schedules=50)
    assert r.verdict == "failed", r.story  # not "inconclusive" (a regrade)
    assert "real lock" in r.message and "threading.Lock()" in r.message


@pytest.mark.parametrize("forged", [
    {"verdict": "ok", "story": ""},
    {"verdict": "ok", "story": "", "schedules_run": 0, "counts": {}, "found": None,
     "message": ""},
    {"verdict": "ok", "story": "", "schedules_run": 300, "counts": {"ok": 1}, "found": None,
     "message": ""},
    {"verdict": "fine", "story": "", "schedules_run": 300, "counts": {"ok": 300},
     "found": None, "message": ""},
])
def test_a_forged_result_dict_is_not_a_pass(forged):
    with pytest.raises(AssertionError, match="not a result of the interleaving explorer"):
        judge(forged, "two threads increment a Counter", schedules=300)


def test_a_genuine_result_still_passes():
    class Counter:
        def __init__(self):
            self.value = 0
            self.lock = threading.Lock()

        def increment(self):
            with self.lock:
                self.value += 1

    r = explore(Counter, [lambda c: c.increment(), lambda c: c.increment()],
                lambda c: c.value == 2, schedules=30)
    judge(r.to_dict(), "two threads increment a Counter", schedules=30)
