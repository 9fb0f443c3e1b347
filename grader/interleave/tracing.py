"""Turns "an instruction of code under test is about to run" into scheduler calls.

Python 3.12+ uses ``sys.monitoring`` (a free tool id; INSTRUCTION events are
enabled per code object when PY_START first sees code under test, and every
instruction that is not a switch point is DISABLEd after its first hit so
it costs nothing afterwards). Python 3.11 uses ``sys.settrace`` with
``f_trace_opcodes``, installed only in the controlled threads.
"""

from __future__ import annotations

import builtins
import sys
from types import CodeType, ModuleType
from typing import Any

from . import _real
from .codeinfo import SWITCH, table_for
from .steps import controlled

USE_MONITORING = sys.version_info >= (3, 12)
_tool: int | None = None
_enabled_codes: list[CodeType] = []
_tables: dict[CodeType, Any] = {}
_get_ident = _real.get_ident


def _invisible_global(op: Any, frame: Any) -> bool:
    """Loads of functions, classes, modules and builtins are not worth a switch point."""
    g = frame.f_globals
    if op.name not in g:
        return op.name in builtins.__dict__
    v = g[op.name]
    return isinstance(v, ModuleType | type) or (callable(v) and hasattr(v, "__code__"))


# --------------------------------------------------------------- sys.monitoring
def _on_py_start(code: CodeType, offset: int) -> Any:
    t = table_for(code)
    if t is not None and code not in _tables:
        _tables[code] = t
        _enabled_codes.append(code)
        sys.monitoring.set_local_events(_tool, code, sys.monitoring.events.INSTRUCTION)
    return sys.monitoring.DISABLE


def _on_instruction(code: CodeType, offset: int) -> Any:
    t = _tables.get(code)
    op = t.get(offset) if t is not None else None
    if op is None or not op.kind:
        return sys.monitoring.DISABLE
    ts = controlled.get(_get_ident())
    if ts is None or ts.busy:
        return None
    frame = sys._getframe(1)
    if op.opname == "LOAD_GLOBAL" and _invisible_global(op, frame):
        op.kind = 0
        return sys.monitoring.DISABLE
    ts.sched.on_instruction(ts, code, op, frame)
    return None


# ---------------------------------------------------------------- sys.settrace
def _global_trace(frame: Any, event: str, arg: Any) -> Any:
    if event != "call":
        return None
    t = table_for(frame.f_code)
    if t is None:
        return None
    frame.f_trace_opcodes = True
    frame.f_trace_lines = False
    return _local_trace


def _local_trace(frame: Any, event: str, arg: Any) -> Any:
    if event == "opcode":
        code = frame.f_code
        op = table_for(code).get(frame.f_lasti)  # type: ignore[union-attr]
        if op is not None and op.kind:
            ts = controlled.get(_get_ident())
            if ts is not None and not ts.busy:
                if op.opname == "LOAD_GLOBAL" and _invisible_global(op, frame):
                    op.kind = 0
                else:
                    ts.sched.on_instruction(ts, code, op, frame)
    return _local_trace


# ------------------------------------------------------------------- lifecycle
def install() -> None:
    """Start delivering instruction events (once per exploration)."""
    global _tool
    if not USE_MONITORING:
        return
    mon = sys.monitoring
    for tool in (4, 3, 2, 1, 0, 5):
        if mon.get_tool(tool) is None:
            mon.use_tool_id(tool, "concurlab-interleave")
            _tool = tool
            break
    else:
        raise RuntimeError("no free sys.monitoring tool id for the interleaving explorer")
    mon.restart_events()
    mon.register_callback(_tool, mon.events.PY_START, _on_py_start)
    mon.register_callback(_tool, mon.events.INSTRUCTION, _on_instruction)
    mon.set_events(_tool, mon.events.PY_START)


def uninstall() -> None:
    """Stop all events and give the tool id back."""
    global _tool
    # Switch points that were found to load functions must be re-checked next time.
    for op_table in list(_all_tables()):
        for op in op_table.values():
            if op.kind == 0 and op.opname == "LOAD_GLOBAL":
                op.kind = SWITCH
    if not USE_MONITORING or _tool is None:
        return
    mon = sys.monitoring
    mon.set_events(_tool, 0)
    for code in _enabled_codes:
        mon.set_local_events(_tool, code, 0)
    _enabled_codes.clear()
    _tables.clear()
    mon.register_callback(_tool, mon.events.PY_START, None)
    mon.register_callback(_tool, mon.events.INSTRUCTION, None)
    mon.free_tool_id(_tool)
    _tool = None


def _all_tables() -> Any:
    from .codeinfo import _tables as tables

    return [t for t in list(tables.values()) if t]


#: CPython 3.11 refuses a settrace while another thread's settrace is under way
#: (an audit hook can switch threads in the middle of one): install one at a time.
_settrace_lock = _real.allocate_lock()


def thread_started() -> None:
    """Called in each controlled OS thread before it runs user code."""
    if not USE_MONITORING:
        with _settrace_lock:
            sys.settrace(_global_trace)


def thread_finished() -> None:
    if not USE_MONITORING:
        with _settrace_lock:
            sys.setprofile(None)  # first: it would re-install the tracer removed below
            sys.settrace(None)


def dying() -> None:
    """About to raise ``Abort`` in this thread: keep its switch points raising (3.11).

    A trace function that raises is uninstalled by CPython, so a student's
    ``except BaseException`` could then loop untraced. A profile function
    (left alone by that) re-installs the tracer at the thread's next call or
    return, in every frame of code under test on the stack.
    """
    if not USE_MONITORING and sys.getprofile() is not _rearm:
        with _settrace_lock:
            sys.setprofile(_rearm)


def _rearm(frame: Any, event: str, arg: Any) -> None:
    if sys.gettrace() is not None:
        return
    with _settrace_lock:
        sys.settrace(_global_trace)
    f = frame
    while f is not None:
        if table_for(f.f_code) is not None:
            f.f_trace_opcodes = True
            f.f_trace_lines = False
            f.f_trace = _local_trace
        f = f.f_back
