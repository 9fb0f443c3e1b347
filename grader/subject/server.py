"""The subject: the only process that imports a submission.

It answers the driver's requests (import, get an attribute, call) and turns
callback handles into functions that call back into the driver.  Everything it
sends is plain data built by :mod:`grader.subject.codec`; whatever it is, the
driver decides the verdict.
"""

from __future__ import annotations

import builtins
import importlib
import itertools
import os
import socket
import sys
import threading
import traceback
import types
from typing import Any

from grader.subject import codec
from grader.subject.channel import Channel, RequestFailed
from grader.subject.policy import CHECK_EVENT


class CallbackError(Exception):
    """A driver callback failed with an exception that has no builtin equivalent."""


def rebuild_exception(fields: dict) -> BaseException:
    """Recreate a builtin exception sent as plain data (others become CallbackError)."""
    cls = getattr(builtins, str(fields.get("type")), None)
    if fields.get("module") == "builtins" and isinstance(cls, type) and issubclass(cls, Exception):
        args = fields.get("args")
        try:
            return cls(*args) if type(args) is list else cls()
        except Exception:
            pass
    return CallbackError(str(fields.get("repr", "callback failed")))


class Server:
    """Serves one driver over a socket."""

    def __init__(self, sock: socket.socket, roots: list[str]):
        self.roots = roots
        self.refs: dict[int, Any] = {}
        self._ref_ids = itertools.count(1)
        self._refs_lock = threading.Lock()
        self.channel = Channel(sock, self._checked, self.error_fields)

    # -- codec hooks -----------------------------------------------------
    def encode(self, value: Any) -> Any:
        sys.audit(CHECK_EVENT, None)  # the policy looks before anything the submission returns leaves
        return codec.encode(value, self._encode_other)

    def _encode_other(self, value: Any) -> dict:
        if isinstance(value, BaseException):
            return {"$e": codec.exception_fields(value, self._encode_other)}
        with self._refs_lock:
            rid = next(self._ref_ids)
            self.refs[rid] = value
        return {"$r": {"id": rid, "type": type(value).__qualname__, "callable": callable(value)}}

    def decode(self, data: Any) -> Any:
        return codec.decode(data, self._marker)

    def _marker(self, key: str, body: Any) -> Any:
        if key == "$r" and type(body) is int:
            return self.refs[body]
        if key == "$c" and type(body) is int:
            return self._callback(body)
        if key == "$f" and type(body) is str:
            module, _, qualname = body.partition(":")
            obj: Any = importlib.import_module(module)
            for part in qualname.split("."):
                obj = getattr(obj, part)
            return obj
        raise codec.CodecError(f"unknown marker {key}")

    def _callback(self, cid: int):
        channel = self.channel

        def callback(*args: Any, **kwargs: Any) -> Any:
            try:
                value = channel.request("cb", cb=cid, args=self.encode(list(args)),
                                        kwargs=self.encode(kwargs))
            except RequestFailed as exc:
                raise rebuild_exception(exc.fields) from None
            return self.decode(value)

        callback.__name__ = callback.__qualname__ = f"callback_{cid}"
        return callback

    def error_fields(self, exc: BaseException) -> dict:
        fields = codec.exception_fields(exc, lambda v: {"$r": None})
        frames = [f for f in traceback.extract_tb(exc.__traceback__)
                  if any(f.filename.startswith(root) for root in self.roots)]
        for frame in frames:
            frame.filename = os.path.relpath(frame.filename, self.roots[0])
        fields["traceback"] = "".join(traceback.format_list(frames[-8:]))
        return fields

    # -- requests --------------------------------------------------------
    def _checked(self, message: dict) -> Any:
        """Handle a request, then let the policy look for tampering before the reply leaves.

        The policy (an audit hook) answers the driver with a stamp for ``message["check"]``
        directly: a reply that skipped this arrives unstamped and voids the exercise.
        """
        try:
            return self.handle(message)
        finally:
            sys.audit(CHECK_EVENT, message.get("check"))

    def handle(self, message: dict) -> Any:
        op = message.get("op")
        if op == "check":  # the driver's last look before it ends the subject
            return None
        if op == "import":
            return self.encode(importlib.import_module(str(message["name"])))
        if op == "exec":
            module = types.ModuleType(str(message["name"]))
            module.__file__ = str(message["filename"])
            code = compile(str(message["source"]), module.__file__, "exec")
            sys.modules[module.__name__] = module
            exec(code, module.__dict__)
            return self.encode(module)
        if op == "getattr":
            return self.encode(getattr(self.refs[message["ref"]], str(message["name"])))
        if op == "call":
            target = self.refs[message["ref"]]
            args = self.decode(message.get("args", []))
            kwargs = self.decode(message.get("kwargs", {"$d": []}))
            return self.encode(target(*args, **kwargs))
        raise ValueError(f"unknown request {op!r}")

    def serve_forever(self) -> None:
        self.channel.start()
        self.channel.wait_closed()
