"""Plain-data codec for the driver <-> subject channel.

Values cross the process boundary as JSON.  Only *exact* builtin types are
encoded by value (``type(x) is int``, never ``isinstance``), so an object whose
``__eq__`` always says yes, or an ``int`` subclass that lies, can never reach the
driver as something it would compare: it becomes an opaque reference instead.

Markers (dicts with one ``$`` key) carry what JSON cannot:
``$t`` tuple, ``$d`` dict (as pairs, so keys of any plain type survive),
``$b`` bytes, ``$s`` set, ``$fs`` frozenset, ``$e`` exception value,
``$r`` reference to an object living on the other side, ``$c`` callback,
``$f`` importable function (``"module:qualname"``).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

SCALARS = (type(None), bool, int, float, str)

#: Deepest nesting accepted, so a hostile payload cannot blow the stack.
MAX_DEPTH = 64


class CodecError(ValueError):
    """A payload that is not plain data of the expected shape."""


def encode(value: Any, other: Callable[[Any], dict], depth: int = 0) -> Any:
    """Encode ``value``; anything that is not plain data goes through ``other``."""
    if depth > MAX_DEPTH:
        raise CodecError("value nested too deeply")
    t = type(value)
    if t in SCALARS:
        return value
    if t is list:
        return [encode(v, other, depth + 1) for v in value]
    if t is tuple:
        return {"$t": [encode(v, other, depth + 1) for v in value]}
    if t is dict:
        return {"$d": [[encode(k, other, depth + 1), encode(v, other, depth + 1)]
                       for k, v in value.items()]}
    if t is bytes:
        return {"$b": base64.b64encode(value).decode("ascii")}
    if t is set or t is frozenset:
        key = "$s" if t is set else "$fs"
        return {key: [encode(v, other, depth + 1) for v in value]}
    return other(value)


def decode(data: Any, marker: Callable[[str, Any], Any], depth: int = 0) -> Any:
    """Decode JSON data; markers other than the plain containers go to ``marker``."""
    if depth > MAX_DEPTH:
        raise CodecError("payload nested too deeply")
    t = type(data)
    if t in SCALARS:
        return data
    if t is list:
        return [decode(v, marker, depth + 1) for v in data]
    if t is not dict or len(data) != 1:
        raise CodecError(f"unexpected payload {data!r:.80}")
    (key, body), = data.items()
    if key == "$t":
        return tuple(decode(v, marker, depth + 1) for v in _list(body))
    if key == "$d":
        out = {}
        for pair in _list(body):
            if type(pair) is not list or len(pair) != 2:
                raise CodecError("a dict entry is not a [key, value] pair")
            out[decode(pair[0], marker, depth + 1)] = decode(pair[1], marker, depth + 1)
        return out
    if key == "$b":
        if type(body) is not str:
            raise CodecError("bytes payload is not a string")
        return base64.b64decode(body.encode("ascii"), validate=True)
    if key in ("$s", "$fs"):
        items = [decode(v, marker, depth + 1) for v in _list(body)]
        return set(items) if key == "$s" else frozenset(items)
    return marker(key, body)


def _list(body: Any) -> list:
    if type(body) is not list:
        raise CodecError("expected a list in payload")
    return body


def exception_fields(exc: BaseException, other: Callable[[Any], dict]) -> dict:
    """Describe an exception as plain data (its args only where they are plain)."""
    t = type(exc)
    try:
        args = encode(list(exc.args), other)
    except CodecError:
        args = [repr(a) for a in exc.args]
    return {"type": t.__qualname__, "module": t.__module__, "args": args,
            "repr": _safe_repr(exc)}


def _safe_repr(obj: Any) -> str:
    try:
        return repr(obj)[:2000]
    except Exception:  # a hostile __repr__ must not break the channel
        return f"<{type(obj).__qualname__} with a broken __repr__>"
