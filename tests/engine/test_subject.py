"""The driver/subject channel: plain data by exact type, callbacks, failures."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from grader.driver.subject import (
    RemoteError,
    RemoteException,
    RemoteObject,
    Subject,
)
from grader.driver.verdicts import SubjectDied, SubjectHung
from grader.subject import codec

MODULE = '''
import os, threading, time

class AlwaysEqual:
    def __eq__(self, other):
        return True

class LyingInt(int):
    def __eq__(self, other):
        return True

class LyingDict(dict):
    def __eq__(self, other):
        return True

class InsufficientFunds(Exception):
    pass

class Box:
    def __init__(self, v):
        self.v = v
    @property
    def value(self):
        return self.v
    def add(self, n):
        self.v += n
    def __len__(self):
        return self.v
    def __enter__(self):
        self.v += 100
        return self
    def __exit__(self, *exc):
        self.v -= 100

def echo(x):
    return x

def always_equal():
    return AlwaysEqual()

def lying_int():
    return LyingInt(3)

def lying_dict():
    return LyingDict(a=1)

def refuse():
    raise InsufficientFunds("balance 5, wanted 10")

def bad_value():
    raise ValueError("no")

def call_in_threads(fn, n):
    out = [None] * n
    def run(i):
        out[i] = fn(i)
    ts = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in ts: t.start()
    for t in ts: t.join()
    return out

def catch(fn):
    try:
        fn()
    except Exception as exc:
        return exc

def die():
    os._exit(3)

def hang():
    time.sleep(60)

def is_same(a, b):
    return a is b
'''


@pytest.fixture
def subject(tmp_path: Path):
    (tmp_path / "mod.py").write_text(MODULE)
    sub = Subject(tmp_path, "mod", call_timeout=5)
    yield sub
    sub.close()


@pytest.mark.parametrize("value", [None, True, 3, 2.5, "x", b"\x00\xff", [1, [2]], (1, (2,)),
                                   {1: "a", ("t",): [b"b"]}, {1, 2}, frozenset({"z"})])
def test_plain_values_round_trip(subject, value):
    assert subject.module().echo(value) == value
    assert type(subject.module().echo(value)) is type(value)


@pytest.mark.parametrize("name", ["always_equal", "lying_int", "lying_dict"])
def test_lying_objects_arrive_as_opaque_proxies(subject, name):
    got = getattr(subject.module(), name)()
    assert isinstance(got, RemoteObject)
    assert got != 3 and got != {"a": 1} and got != object()


def test_builtin_exceptions_keep_their_type(subject):
    with pytest.raises(ValueError, match="no"):
        subject.module().bad_value()


def test_student_exceptions_are_described(subject):
    with pytest.raises(RemoteError) as err:
        subject.module().refuse()
    assert err.value.type_name == "InsufficientFunds"
    assert 'mod.py", line' in str(err.value)


def test_objects_methods_properties_and_protocols(subject):
    box = subject.module().Box(2)
    box.add(3)
    assert box.value == 5
    assert len(box) == 5
    with box:
        assert box.value == 105
    assert box.value == 5
    assert subject.module().is_same(box, box) is True


def test_callbacks_run_concurrently_in_the_driver(subject):
    running, peak, lock = [0], [0], threading.Lock()

    def slow(i):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.1)
        with lock:
            running[0] -= 1
        return i * i

    assert subject.module().call_in_threads(slow, 6) == [i * i for i in range(6)]
    assert peak[0] == 6


def test_callback_exceptions_reach_the_student_as_builtin_types(subject):
    def fail():
        raise ConnectionError("refused")

    got = subject.module().catch(fail)
    assert got == RemoteException("ConnectionError", "builtins", ("refused",), "")


def test_death_is_reported_with_exit_code(subject):
    with pytest.raises(SubjectDied, match="exit code 3"):
        subject.module().die()


def test_hang_is_reported(tmp_path):
    (tmp_path / "mod.py").write_text(MODULE)
    sub = Subject(tmp_path, "mod", call_timeout=0.5)
    try:
        with pytest.raises(SubjectHung, match="did not finish within 0.5 s"):
            sub.module().hang()
    finally:
        sub.close()


def test_close_kills_the_whole_tree(subject):
    subject.module().echo(1)
    proc = subject.process
    subject.close()
    assert not proc.is_running() or proc.status() == "zombie"


def test_codec_rejects_deep_and_unknown_payloads():
    with pytest.raises(codec.CodecError):
        codec.decode({"$zz": 1}, lambda k, b: (_ for _ in ()).throw(codec.CodecError(k)))
    deep: list = []
    for _ in range(codec.MAX_DEPTH + 5):
        deep = [deep]
    with pytest.raises(codec.CodecError):
        codec.decode(deep, lambda k, b: None)
