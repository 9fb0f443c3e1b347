"""A symmetric request/response channel: one JSON object per line over a socket.

Both the driver and the subject use it.  Either side may send requests
(``{"op": ..., "id": n, ...}``) and answers them with ``{"re": n, "ok": value}``
or ``{"re": n, "err": fields}``.  Requests are handled on their own threads, so
a call from the driver can be in flight while the subject's threads call back
into the driver many times at once (that is how calls in flight are measured).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
from collections.abc import Callable
from typing import Any

#: One message may not exceed this (a hostile subject must not exhaust memory).
MAX_MESSAGE = 64 * 1024 * 1024


class ChannelClosed(ConnectionError):
    """The other side went away before answering."""


class LimitExceeded(ChannelClosed):
    """The other side broke one of this side's limits (message size, requests in flight)."""


class RequestFailed(Exception):
    """The other side answered a request with an error (``fields`` describes it)."""

    def __init__(self, fields: dict):
        super().__init__(fields.get("repr", "remote error"))
        self.fields = fields


Handler = Callable[[dict], Any]


class Channel:
    """Line-delimited JSON over a connected stream socket."""

    def __init__(self, sock: socket.socket, handler: Handler, error_fields: Callable[[BaseException], dict],
                 *, max_message: int = MAX_MESSAGE, workers: int | None = None, backlog: int = 0):
        """``workers``: serve requests from a pool of that many threads, at most ``backlog``
        in flight (else a thread per request, for a trusted peer)."""
        self._max_message = max_message
        self._pool = None
        if workers:  # imported here: the subject must load no pool module (e09 looks for them)
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(workers, thread_name_prefix="concurlab-serve")
        self._backlog = threading.BoundedSemaphore(backlog) if self._pool is not None else None
        self._backlog_size = backlog
        self._sock = sock
        self._rfile = sock.makefile("rb")
        self._handler = handler
        self._error_fields = error_fields
        self._send_lock = threading.Lock()
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._pending_lock = threading.Lock()
        self._closed: BaseException | None = None
        self._reader = threading.Thread(target=self._read_loop, name="concurlab-channel", daemon=True)

    def start(self) -> Channel:
        self._reader.start()
        return self

    # -- sending ---------------------------------------------------------
    def send(self, message: dict) -> None:
        data = json.dumps(message, separators=(",", ":")).encode() + b"\n"
        with self._send_lock:
            try:
                self._sock.sendall(data)
            except OSError as exc:
                raise ChannelClosed(str(exc)) from exc

    def request(self, op: str, timeout: float | None = None, **fields: Any) -> Any:
        """Send a request and wait for its answer (raises RequestFailed / ChannelClosed / TimeoutError)."""
        rid = next(self._ids)
        pending = _Pending()
        with self._pending_lock:
            if self._closed is not None:
                raise type(self._closed)(*self._closed.args)
            self._pending[rid] = pending
        try:
            self.send({"op": op, "id": rid, **fields})
            if not pending.done.wait(timeout):
                raise TimeoutError(f"no answer to {op!r} within {timeout} s")
        finally:
            with self._pending_lock:
                self._pending.pop(rid, None)
        if pending.closed is not None:
            raise type(pending.closed)(*pending.closed.args)
        if pending.error is not None:
            raise RequestFailed(pending.error)
        return pending.value

    # -- receiving -------------------------------------------------------
    def _read_loop(self) -> None:
        reason: BaseException = ChannelClosed("the other side closed the channel")
        try:
            while True:
                line = self._rfile.readline(self._max_message + 1)
                if not line:
                    break
                if len(line) > self._max_message:
                    reason = LimitExceeded(f"a message of more than {_size(self._max_message)} "
                                           f"(the limit is {_size(self._max_message)})")
                    break
                message = json.loads(line)
                if type(message) is not dict:
                    reason = ChannelClosed("a message was not a JSON object")
                    break
                if "re" in message:
                    self._answer(message)
                elif "op" in message and self._pool is None:
                    threading.Thread(target=self._serve, args=(message,), daemon=True,
                                     name=f"concurlab-{message.get('op')}").start()
                elif "op" in message:
                    if not self._backlog.acquire(blocking=False):
                        reason = LimitExceeded(f"more than {self._backlog_size} requests in flight "
                                               f"at once (the limit is {self._backlog_size})")
                        break
                    self._pool.submit(self._serve_counted, message)
        except (OSError, ValueError) as exc:
            reason = ChannelClosed(f"channel broken: {exc}")
        self._close_pending(reason)

    def _answer(self, message: dict) -> None:
        with self._pending_lock:
            pending = self._pending.get(message["re"]) if type(message["re"]) is int else None
        if pending is None:
            return
        if "err" in message:
            pending.error = message["err"] if type(message["err"]) is dict else {"repr": "bad error"}
        else:
            pending.value = message.get("ok")
        pending.done.set()

    def _serve(self, message: dict) -> None:
        rid = message.get("id")
        try:
            reply: dict = {"re": rid, "ok": self._handler(message)}
        except BaseException as exc:  # noqa: BLE001 - every failure is reported to the caller
            reply = {"re": rid, "err": self._error_fields(exc)}
        try:
            self.send(reply)
        except (ChannelClosed, TypeError, ValueError) as exc:
            if not isinstance(exc, ChannelClosed):
                self.send({"re": rid, "err": {"repr": f"unencodable reply: {exc}"}})

    def _serve_counted(self, message: dict) -> None:
        try:
            self._serve(message)
        finally:
            self._backlog.release()

    def _close_pending(self, reason: BaseException) -> None:
        with self._pending_lock:
            self._closed = reason
            pending = list(self._pending.values())
        for p in pending:
            p.closed = reason
            p.done.set()

    def wait_closed(self) -> None:
        """Block until the other side closes the channel."""
        self._reader.join()

    @property
    def closed(self) -> bool:
        return self._closed is not None

    @property
    def limit_broken(self) -> LimitExceeded | None:
        """Why the other side was cut off, if it broke one of this side's limits."""
        return self._closed if isinstance(self._closed, LimitExceeded) else None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)


def _size(n: int) -> str:
    return f"{n / (1 << 20):g} MiB" if n >= 1 << 20 else f"{n / 1024:g} KiB"


class _Pending:
    __slots__ = ("done", "value", "error", "closed")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: dict | None = None
        self.closed: BaseException | None = None
