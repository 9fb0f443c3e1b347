"""A submission module executed afresh for every explored schedule.

Each schedule then starts from fresh module state (a module-level cache or
registry left over by the last schedule would hide a race), and whatever the
module creates at import (a lock at module level or on a class) is created
under the explorer's control.
"""

from __future__ import annotations

import importlib.util
import types
from collections.abc import Callable


def fresh_module(name: str) -> Callable[[], types.ModuleType]:
    """A factory: each call executes module ``name``'s source (compiled once) in a new module."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None or spec.loader is None:
        raise ModuleNotFoundError(f"no module named {name!r} next to the scenarios")
    code = compile(spec.loader.get_source(name), spec.origin, "exec")

    def load() -> types.ModuleType:
        module = types.ModuleType(name)
        module.__file__ = spec.origin
        exec(code, module.__dict__)
        return module

    return load
