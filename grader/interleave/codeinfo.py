"""Which code is "under test", and what each of its instructions does.

Switch points are placed only in code under test (never the stdlib,
site-packages or grader/ itself), and only at instructions that touch memory
another thread could see. For each such instruction we precompute the
source line and a symbolic expression for the object it operates on (e.g.
``self`` for ``self.value``) so that stories can say "read Counter.value".
"""

from __future__ import annotations

import dis
import os
import sys
import sysconfig
from types import CodeType, FrameType
from typing import Any

SWITCH = 1  # a switch point: the scheduler may run another thread before it
CHECK = 2  # not a switch point, but the operand is checked for real primitives

_GRADER_DIR = os.path.normcase(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _excluded_dirs() -> list[str]:
    dirs = {_GRADER_DIR}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = sysconfig.get_paths().get(key)
        if p:
            dirs.add(os.path.normcase(os.path.abspath(p)))
    for p in (sys.base_prefix, sys.base_exec_prefix):
        dirs.add(os.path.normcase(os.path.join(os.path.abspath(p), "lib")))
        dirs.add(os.path.normcase(os.path.join(os.path.abspath(p), "Lib")))
    return sorted(dirs)


_EXCLUDED = _excluded_dirs()
_user_cache: dict[str, bool] = {}


def is_user_filename(filename: str) -> bool:
    """True if code from this file is under test (students' and test authors' code)."""
    cached = _user_cache.get(filename)
    if cached is not None:
        return cached
    result = True
    if not filename or filename.startswith("<"):
        result = False
    else:
        fn = os.path.normcase(os.path.abspath(filename))
        if "site-packages" in fn or "dist-packages" in fn:
            result = False
        else:
            for d in _EXCLUDED:
                if fn == d or fn.startswith(d + os.sep):
                    result = False
                    break
    _user_cache[filename] = result
    return result


# Instructions after which another thread may observe or change something.
_SWITCH_OPS = {
    "LOAD_ATTR", "STORE_ATTR", "DELETE_ATTR",
    "LOAD_GLOBAL", "STORE_GLOBAL", "DELETE_GLOBAL",
    "LOAD_NAME", "STORE_NAME",
    "LOAD_DEREF", "STORE_DEREF", "LOAD_CLASSDEREF", "LOAD_FROM_DICT_OR_DEREF",
    "BINARY_SUBSCR", "STORE_SUBSCR", "DELETE_SUBSCR", "BINARY_SLICE", "STORE_SLICE",
    "CALL", "CALL_KW", "CALL_FUNCTION_EX",
    "JUMP_BACKWARD",
}
_NO_STACK = {
    "NOP", "RESUME", "CACHE", "EXTENDED_ARG", "NOT_TAKEN", "KW_NAMES", "PRECALL",
    "JUMP_FORWARD", "JUMP_BACKWARD", "JUMP", "JUMP_NO_INTERRUPT", "JUMP_BACKWARD_NO_INTERRUPT",
    "COPY_FREE_VARS", "MAKE_CELL", "RETURN_GENERATOR",
}
_LOCAL_LOADS = {"LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_BORROW", "LOAD_DEREF", "LOAD_CLOSURE"}

Expr = tuple[Any, ...] | None


class Op:
    """Static facts about one instruction of code under test."""

    __slots__ = ("kind", "opname", "name", "line", "base", "method")

    def __init__(self, kind: int, opname: str, name: Any, line: int, base: Expr, method: bool):
        self.kind = kind
        self.opname = opname
        self.name = name
        self.line = line
        self.base = base
        self.method = method


def _build_table(code: CodeType) -> dict[int, Op]:
    table: dict[int, Op] = {}
    stack: list[Expr] = []
    line = code.co_firstlineno
    v312 = sys.version_info >= (3, 12)

    def pop() -> Expr:
        return stack.pop() if stack else None

    for ins in dis.get_instructions(code):
        if ins.positions is not None and ins.positions.lineno is not None:
            line = ins.positions.lineno
        if ins.is_jump_target:
            stack = []
        op = ins.opname
        base: Expr = None
        method = False
        if op in _LOCAL_LOADS:
            stack.append(("local", ins.argval))
        elif op == "LOAD_FAST_LOAD_FAST" or op == "LOAD_FAST_BORROW_LOAD_FAST_BORROW":
            a, b = ins.argval
            stack.extend([("local", a), ("local", b)])
        elif op == "STORE_FAST_LOAD_FAST":
            pop()
            stack.append(("local", ins.argval[1]))
        elif op == "STORE_FAST_STORE_FAST":
            pop()
            pop()
        elif op in ("STORE_FAST", "STORE_DEREF", "POP_TOP", "STORE_GLOBAL", "STORE_NAME"):
            pop()
        elif op in ("LOAD_GLOBAL", "LOAD_NAME"):
            if op == "LOAD_GLOBAL" and (ins.arg or 0) & 1:
                stack.append(None)
            stack.append(("global", ins.argval))
        elif op == "LOAD_ATTR":
            base = pop()
            if v312 and (ins.arg or 0) & 1:
                method = True
                stack.extend([None, None])
            else:
                stack.append(("attr", base, ins.argval))
        elif op == "LOAD_METHOD":
            base = pop()
            method = True
            stack.extend([None, None])
        elif op == "STORE_ATTR":
            base = pop()
            pop()
        elif op in ("BEFORE_WITH", "BEFORE_ASYNC_WITH"):
            base = pop()
            stack.extend([None, None])
        elif op == "COPY":
            n = ins.arg or 1
            stack.append(stack[-n] if len(stack) >= n else None)
        elif op == "SWAP":
            n = ins.arg or 2
            if len(stack) >= n:
                stack[-1], stack[-n] = stack[-n], stack[-1]
            else:
                stack = []
        elif op == "BINARY_SUBSCR":
            base = stack[-2] if len(stack) >= 2 else None
            pop()
            pop()
            stack.append(None)
        elif op == "STORE_SUBSCR":
            base = stack[-2] if len(stack) >= 2 else None
            del stack[-3:]
        elif op not in _NO_STACK:
            try:
                arg = ins.arg if ins.opcode >= dis.HAVE_ARGUMENT else None
                eff = dis.stack_effect(ins.opcode, arg, jump=False)
            except (ValueError, TypeError):
                stack = []
                eff = 0
            if eff < 0:
                del stack[eff:]
                if stack:
                    stack[-1] = None
            else:
                if stack:
                    stack[-1] = None
                stack.extend([None] * eff)
        if op in _SWITCH_OPS and not method:
            kind = SWITCH
        elif method or op in ("BEFORE_WITH", "BEFORE_ASYNC_WITH"):
            kind = CHECK
        else:
            continue
        table[ins.offset] = Op(kind, op, ins.argval, line, base, method)
    return table


_tables: dict[CodeType, dict[int, Op] | None] = {}


def table_for(code: CodeType) -> dict[int, Op] | None:
    """The instruction table of ``code``, or None when it is not under test."""
    try:
        return _tables[code]
    except KeyError:
        pass
    t = _build_table(code) if is_user_filename(code.co_filename) else None
    _tables[code] = t
    return t


class Missing(Exception):
    """The symbolic operand could not be evaluated in this frame."""


def evaluate(expr: Expr, frame: FrameType) -> Any:
    """Evaluate a symbolic operand without running any user code (no properties)."""
    if expr is None:
        raise Missing
    kind = expr[0]
    if kind == "local":
        loc = frame.f_locals
        if expr[1] in loc:
            return loc[expr[1]]
        raise Missing
    if kind == "global":
        g = frame.f_globals
        if expr[1] in g:
            return g[expr[1]]
        raise Missing
    if kind == "attr":
        obj = evaluate(expr[1], frame)
        d = getattr(obj, "__dict__", None)
        if isinstance(d, dict) and expr[2] in d:
            return d[expr[2]]
        raise Missing
    raise Missing


def user_frame(frame: FrameType | None) -> FrameType | None:
    """The innermost frame of code under test at or above ``frame``."""
    while frame is not None:
        if is_user_filename(frame.f_code.co_filename):
            return frame
        frame = frame.f_back
    return None
