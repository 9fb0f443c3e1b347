"""Driver side of the subject: start it, call into it, take evidence from outside.

Hidden tests never import a submission.  They ask the :class:`Subject` for a
proxy (``sub = subject.module()``) and call it like the real thing
(``sub.download_all(urls, fetch, max_workers=3)``).  Arguments and results cross
as plain data; a driver-side callable passed as an argument becomes a callback
that the student's threads call back into, so what it records (calls in
flight, order, thread ids) is measured here, where the submission cannot reach.
"""

from __future__ import annotations

import builtins
import contextlib
import itertools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from grader import environment, sandbox
from grader.driver.verdicts import ResourceLimitExceeded, SubjectDied, SubjectFailure, SubjectHung
from grader.lifeline import kill_tree
from grader.subject import codec
from grader.subject.channel import Channel, ChannelClosed, LimitExceeded, RequestFailed

#: Output of the subject kept for messages (the tail of each stream).
OUTPUT_TAIL = 4000
#: Seconds a reply may wait for the policy's stamp (written just before the reply itself).
STAMP_WAIT = 5.0
#: The driver reads at most this much per message from the subject (one 63 MB message
#: once took it to 1.6 GB); no honest reply comes near it.
MAX_MESSAGE = 1 << 20
#: Callbacks from the subject are served by this many driver threads, with at most
#: ``CALLBACK_BACKLOG`` running or waiting at once; beyond that the job is over its limits.
CALLBACK_WORKERS = 64
CALLBACK_BACKLOG = 1024


class RemoteError(Exception):
    """An exception raised by the submission, described as plain data."""

    type_name: str = ""
    module: str = ""

    def __init__(self, fields: dict, during: str = ""):
        self.fields = fields
        self.type_name = str(fields.get("type", "?"))
        self.module = str(fields.get("module", "?"))
        self.remote_args = fields.get("args")
        self.traceback = str(fields.get("traceback", ""))
        message = str(fields.get("repr", self.type_name))
        where = f"{during} raised " if during else ""
        text = f"{where}{message}"
        if self.traceback:
            text += "\n" + self.traceback.rstrip()
        super().__init__(text)


_mirrors: dict[str, type] = {}


def remote_error(fields: dict, during: str) -> RemoteError:
    """A RemoteError that is also an instance of the matching builtin exception.

    So ``pytest.raises(ValueError)`` works in hidden tests, while the object
    itself was built here from plain data.
    """
    name = str(fields.get("type"))
    base = getattr(builtins, name, None)
    cls: type = RemoteError
    if fields.get("module") == "builtins" and isinstance(base, type) and issubclass(base, Exception):
        if name not in _mirrors:
            try:
                _mirrors[name] = type(f"Remote{name}", (RemoteError, base), {})
            except TypeError:  # incompatible layouts: keep the plain RemoteError
                _mirrors[name] = RemoteError
        cls = _mirrors[name]
    err = cls.__new__(cls)
    RemoteError.__init__(err, fields, during)
    return err


@dataclass(frozen=True)
class RemoteException:
    """An exception *value* returned by the submission (e.g. in a result dict)."""

    type_name: str
    module: str
    args: tuple
    repr: str = field(compare=False)

    def __str__(self) -> str:
        return self.repr


@dataclass(frozen=True)
class Probe:
    """A trusted, importable function handed to the submission by name.

    Needed where the student's code sends the function to worker processes:
    it must be picklable there, so it cannot be a driver callback.
    """

    path: str  # "package.module:qualname"


class RemoteObject:
    """Proxy for an object living in the subject."""

    def __init__(self, subject: Subject, ref: int, type_name: str, is_callable: bool, label: str):
        self._subject = subject
        self._ref = ref
        self._type_name = type_name
        self._callable = is_callable
        self._label = label

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self._subject._request("getattr", f"{self._label}.{name}",
                                      ref=self._ref, name=name, label=f"{self._label}.{name}")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._subject._request("call", f"{self._label}(...)", ref=self._ref,
                                      args=self._subject.encode(list(args)),
                                      kwargs=self._subject.encode(kwargs), label=self._label)

    def _dunder(self, name: str, *args: Any) -> Any:
        method = self._subject._request("getattr", f"{self._label}.{name}", ref=self._ref,
                                        name=name, label=f"{self._label}.{name}")
        return method(*args)

    def __enter__(self) -> Any:
        return self._dunder("__enter__")

    def __exit__(self, *exc: Any) -> Any:
        return self._dunder("__exit__", None, None, None)

    def __len__(self) -> int:
        n = self._dunder("__len__")
        if type(n) is not int:
            raise TypeError(f"len() of {self._label} returned {type(n).__name__}, not int")
        return n

    def __repr__(self) -> str:
        return f"<remote {self._type_name} {self._label}>"


class Subject:
    """One subject process, started lazily on first use and killed with its group on close."""

    def __init__(self, module_dir: Path, module_name: str, *, call_timeout: float = 30.0,
                 python: str = sys.executable, permit: tuple[str, ...] = ()):
        self.module_dir = Path(module_dir)
        #: Audit events the tampering policy lets this exercise raise (``concurlab_permit`` mark).
        self.permit = permit
        self.module_name = module_name
        self.call_timeout = call_timeout
        self.python = python
        self._callbacks: dict[int, Callable[..., Any]] = {}
        self._cb_ids = itertools.count(1)
        self._lock = threading.Lock()
        self._proc: subprocess.Popen | None = None
        self._channel: Channel | None = None
        self._scratch = Path(tempfile.mkdtemp(prefix="concurlab-subject-"))
        self.probe_dir = self._scratch / "probe"
        self.probe_dir.mkdir()
        #: Tampering evidence the subject's policy reported (voids the exercise).
        self.flags: list[str] = []
        #: Limits of the job the submission broke, each with its figure.
        self.limits_exceeded: list[str] = []

    # -- life cycle ------------------------------------------------------
    def start(self) -> Subject:
        with self._lock:
            if self._proc is None:
                self._spawn()
        return self

    def _spawn(self) -> None:
        """Start the subject in the sandbox (grader.sandbox) with a clean environment."""
        ours, theirs = socket.socketpair()
        (self._scratch / "tmp").mkdir(exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(self._scratch),
            "TMPDIR": str(self._scratch / "tmp"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONFAULTHANDLER": "1",
            environment.PROBE_DIR: str(self.probe_dir),
        }
        try:
            self._launch = sandbox.Launch(
                python=self.python, channel_fd=theirs.fileno(), scratch=self._scratch,
                module_dir=self.module_dir, module_name=self.module_name, env=env,
                writable=[self.probe_dir], permit=self.permit)
        finally:
            theirs.close()
        self._proc = self._launch.proc
        self.flags = self._launch.flags
        self.limits_exceeded = self._launch.limits_exceeded
        self._channel = Channel(ours, self._handle, self._error_fields, max_message=MAX_MESSAGE,
                                workers=CALLBACK_WORKERS, backlog=CALLBACK_BACKLOG).start()

    def close(self) -> None:
        """Kill the subject's whole process group (and any descendant that left it)."""
        if self._proc is not None:
            self._last_check()
            kill_tree(self._proc.pid)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=5)
            if self._channel is not None:
                self._channel.close()
                broken = self._channel.limit_broken
                if broken is not None and not self.limits_exceeded:
                    self.limits_exceeded.append(str(broken))
            self._launch.stop()
        shutil.rmtree(self._scratch, ignore_errors=True)

    def _last_check(self) -> None:
        """Let the subject's policy look once more (a hung call never reached its check)."""
        if self._channel is not None and not self._channel.closed:
            nonce = self._nonce()
            with contextlib.suppress(Exception):
                self._channel.request("check", timeout=1.0, check=nonce)
                self._require_stamp(nonce, "the last check")

    @property
    def pid(self) -> int:
        return self.start()._launch.pid

    @property
    def process(self) -> psutil.Process:
        return psutil.Process(self.pid)

    def children(self) -> list[psutil.Process]:
        """Live descendants of the subject (zombies included: they are leaks too)."""
        try:
            return self.process.children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def resting_threads(self, window: float = 0.2) -> int:
        """The subject's thread count at rest: the fewest seen over ``window`` s with no call running.

        The subject has threads of its own (the channel, a short-lived one per
        request), so thread-leak checks compare against this, not a constant.
        """
        self.module()  # up and serving
        process = self.process
        counts = []
        end = time.monotonic() + window
        while time.monotonic() < end:
            counts.append(process.num_threads())
            time.sleep(0.01)
        return min(counts)

    def wait_output(self, timeout: float = 5.0) -> bool:
        """After the subject ended: wait until all it and its children printed has been read."""
        return self._launch is None or self._launch.wait_output(timeout)

    def output(self) -> str:
        """The tail of what the submission printed (stdout, then stderr)."""
        parts = []
        for name in ("stdout", "stderr"):
            path = self._scratch / name
            if path.exists():
                with open(path, "rb") as f:
                    f.seek(max(0, path.stat().st_size - OUTPUT_TAIL))
                    parts.append(f.read().decode(errors="replace"))
        return "".join(parts)

    # -- what hidden tests use -------------------------------------------
    def module(self, name: str | None = None) -> RemoteObject:
        """The submission module (or any importable module) as a proxy."""
        name = name or self.module_name
        return self._request("import", f"importing {name}", name=name, label=name)

    def load(self, path: str | os.PathLike, name: str | None = None) -> RemoteObject:
        """Run a trusted helper module (e.g. explorer scenarios) inside the subject."""
        path = Path(path)
        name = name or f"concurlab_{path.stem}"
        return self._request("exec", f"loading {path.name}", name=name,
                             source=path.read_text(), filename=str(path), label=name)

    def probe(self, path: str) -> Probe:
        return Probe(path)

    # -- plumbing ----------------------------------------------------------
    def _request(self, op: str, what: str, label: str = "", **fields: Any) -> Any:
        self.start()
        assert self._channel is not None
        nonce = self._nonce()
        try:
            value = self._channel.request(op, timeout=self.call_timeout, check=nonce, **fields)
        except RequestFailed as exc:
            self._require_stamp(nonce, what)
            raise remote_error(exc.fields, what) from None
        except LimitExceeded as exc:
            self.limits_exceeded.append(f"{exc} during {what}")
            raise ResourceLimitExceeded(f"resource limit exceeded: {exc} during {what}") from None
        except ChannelClosed:
            raise SubjectDied(self._death_message(what)) from None
        except TimeoutError:
            raise SubjectHung(f"{what} did not finish within {self.call_timeout:g} s") from None
        self._require_stamp(nonce, what)
        return self.decode(value, label)

    def _nonce(self) -> int:
        """A fresh, unguessable request nonce (stamps cannot be made in advance)."""
        nonce = secrets.randbits(62)
        self._launch.expect(nonce)
        return nonce

    def _require_stamp(self, nonce: int, what: str) -> None:
        """Every reply must carry the policy's stamp: one that skipped its check is tampering."""
        if not self._launch.stamped(nonce, timeout=STAMP_WAIT):
            evidence = f"the reply to {what} left the subject without the tampering check"
            if evidence not in self.flags:
                self.flags.append(evidence)
            raise SubjectFailure(f"{evidence}: the exercise is flagged for review")

    def _death_message(self, what: str) -> str:
        assert self._proc is not None
        try:
            code = self._proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        status = (f"killed by signal {signal.Signals(-code).name}" if code is not None and code < 0
                  else f"exit code {code}")
        msg = f"the process running your code ended ({status}) during {what}"
        out = self.output().strip()
        if out:
            msg += "\nlast output:\n" + out[-1500:]
        return msg

    def encode(self, value: Any) -> Any:
        return codec.encode(value, self._encode_other)

    def _encode_other(self, value: Any) -> dict:
        if isinstance(value, RemoteObject):
            return {"$r": value._ref}
        if isinstance(value, Probe):
            return {"$f": value.path}
        if callable(value):
            cid = next(self._cb_ids)
            self._callbacks[cid] = value
            return {"$c": cid}
        raise TypeError(f"cannot send {type(value).__name__} to the subject")

    def decode(self, data: Any, label: str = "value") -> Any:
        def marker(key: str, body: Any) -> Any:
            if key == "$r" and type(body) is dict:
                return RemoteObject(self, int(body["id"]), str(body.get("type")),
                                    bool(body.get("callable")), label)
            if key == "$e" and type(body) is dict:
                args = body.get("args")
                return RemoteException(str(body.get("type")), str(body.get("module")),
                                       tuple(args) if type(args) is list else (),
                                       str(body.get("repr", "")))
            raise codec.CodecError(f"unexpected {key} from the subject")

        return codec.decode(data, marker)

    def _handle(self, message: dict) -> Any:
        if message.get("op") != "cb":
            raise ValueError("the subject may only call callbacks")
        callback = self._callbacks[message["cb"]]
        args = self.decode(message.get("args", []))
        kwargs = self.decode(message.get("kwargs", {"$d": []}))
        if type(args) is not list or type(kwargs) is not dict:
            raise codec.CodecError("bad callback arguments")
        return self.encode(callback(*args, **{str(k): v for k, v in kwargs.items()}))

    def _error_fields(self, exc: BaseException) -> dict:
        return codec.exception_fields(exc, lambda v: {"$r": None})


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.01) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` passes (for evidence taken from outside)."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
