"""Installs the modelled primitives for the duration of one exploration.

``threading``, ``queue`` and ``time`` attributes are replaced (and restored
afterwards); ``Thread.start/join/is_alive`` are patched on the real class so
``Thread`` subclasses defined before the exploration are controlled too.
Modules under test that bound names at import time (``from threading import
Lock``, ``from time import sleep``, a module-level ``lock = Lock()``, a class
attribute ``_lock = Lock()`` of a class defined there) get those rebound: factories once per exploration, instances afresh for
every schedule (a schedule aborted while holding a lock must not leak it).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

from . import _real, primitives
from .codeinfo import in_library_place, is_user_module

#: Real objects a module may have bound at import (its name, or an alias) -> modelled one.
_FACTORIES: dict[int, Any] = {
    id(real): d.model for d in primitives.DECLARED if d.model is not None
    for real in (d.real, *d.aliases)}
#: (real type, maker of a modelled twin of one of its instances), in declaration order.
_TWINS = [(d.instances or d.real, d.twin) for d in primitives.DECLARED if d.twin is not None]


def _fresh_instance(obj: Any) -> Callable[[], Any] | None:
    """A maker of a modelled twin of a real primitive instance, or None."""
    for kind, twin in _TWINS:
        if isinstance(obj, kind):
            return twin(obj)
    return None


class Patches:
    """The patches of one exploration."""

    def __init__(self) -> None:
        self._saved: list[tuple[Any, str, Any]] = []
        self._instances: list[tuple[dict[str, Any] | type, str, Callable[[], Any]]] = []
        self._installed: list[tuple[Any, str, Any]] = []  # (module or class, name, model)

    def _set(self, target: Any, name: str, value: Any) -> None:
        self._saved.append((target, name, getattr(target, name)))
        self._installed.append((target, name, value))
        setattr(target, name, value)

    def tampered(self) -> list[str]:
        """Names the explorer patched that something else has since replaced or deleted."""
        out = []
        for target, name, model in self._installed:
            if target.__dict__.get(name, _MISSING) is not model:
                where = target.__name__ if isinstance(target, type | ModuleType) else "?"
                out.append(f"{where}.{name}")
        return out

    def install(self) -> None:
        for declared in primitives.DECLARED:
            if declared.model is not None:
                self._set(declared.module, declared.name, declared.model)
        self._set(threading.Thread, "start", primitives.thread_start)
        self._set(threading.Thread, "join", primitives.thread_join)
        self._set(threading.Thread, "is_alive", primitives.thread_is_alive)
        self._set(threading, "_newname", _newname)
        primitives.Clock.mono0 = _real.monotonic()
        primitives.Clock.wall0 = _real.wall_time()
        primitives.Clock.perf0 = _real.perf_counter()
        for mod in list(sys.modules.values()):
            if mod is threading or id(mod) in _SKIPPED or not isinstance(
                    getattr(mod, "__dict__", None), dict):
                continue
            if not isinstance(getattr(mod, "__file__", None), str):
                _SKIPPED.add(id(mod))  # built-in and frozen modules bind nothing of ours
                continue
            g = mod.__dict__
            # ``class Counter: _lock = threading.Lock()`` shares one lock like a global.
            targets: list[tuple[dict[str, Any] | type, dict[str, Any]]] = [(g, g)]
            name = g.get("__name__")
            targets += [(v, dict(v.__dict__)) for v in list(g.values())
                        if isinstance(v, type) and v.__module__ == name]
            if not any(_rebindable(names) for _, names in targets):
                if in_library_place(mod.__file__):
                    _SKIPPED.add(id(mod))  # a library module with nothing to rebind, for good
                continue
            if is_user_module(mod):
                for target, names in targets:
                    self._rebind(target, names)

    def _rebind(self, target: dict[str, Any] | type, names: dict[str, Any]) -> None:
        """Swap real factories and primitives bound in a module or class for modelled ones."""
        for name, value in names.items():
            model = _FACTORIES.get(id(value))
            if model is not None:
                self._saved.append((target, name, value))
                _assign(target, name, model)
                continue
            maker = _fresh_instance(value)
            if maker is not None:
                self._saved.append((target, name, value))
                self._instances.append((target, name, maker))

    def fresh_instances(self) -> None:
        """Give module-level primitives of the modules under test fresh modelled twins."""
        for target, name, maker in self._instances:
            _assign(target, name, maker())

    def restore(self) -> None:
        self._installed.clear()
        for target, name, value in reversed(self._saved):
            _assign(target, name, value)
        self._saved.clear()
        self._instances.clear()


_MISSING = object()
#: Modules (by id, alive for good in sys.modules) that never need rebinding.
_SKIPPED: set[int] = set()


def _rebindable(names: dict[str, Any]) -> bool:
    return any(id(v) in _FACTORIES or _fresh_instance(v) is not None for v in list(names.values()))


def _assign(target: Any, name: str, value: Any) -> None:
    if isinstance(target, dict):
        target[name] = value
    else:
        setattr(target, name, value)


def _newname(name_template: str = "Thread-%d") -> str:
    """Per-schedule thread numbering, so default thread names repeat across schedules."""
    s = primitives.Context.sched
    if s is None:
        return name_template % 0
    s.name_counter += 1
    return name_template % s.name_counter
