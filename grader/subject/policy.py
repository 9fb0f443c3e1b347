"""Runtime policy in the subject: a PEP 578 audit hook that flags tampering.

Installed before the submission is imported; Python code cannot remove an
audit hook.  It flags what no honest solution needs (ctypes calls, gc and frame
walks, tracers, importing pytest or the grader, opening files outside its
folder, killing its parent) and, by comparing snapshots, replacing attributes
of stdlib modules or builtins (assignments to module attributes raise no audit
event).  Evidence goes to the driver, which voids the exercise.

Who did it is decided by frames: code from the submission's folder is the
suspect, the grader's own code (the interleaving explorer sets tracers) is not,
and the standard library is transparent (``Thread(target=sys.settrace)`` is
blamed on whoever passed the target).
"""

from __future__ import annotations

import builtins
import os
import sys
import sysconfig
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

#: Prefix of a policy report written to stderr by worker processes.
MARKER = "\x1econcurlab-policy:"
#: Exit status when the evidence channel was closed or replaced under the policy.
POLICY_EXIT = 86

#: This module's functions keep the builtins they were defined with, even if the
#: submission replaces ``builtins.len`` or ``builtins.isinstance`` later.
__builtins__ = dict(vars(builtins))

SUB, STD, TRUSTED = "submission", "stdlib", "grader"

#: Events blamed on the first non-stdlib frame (stdlib never needs them for honest code).
_DEEP = {
    "gc.get_objects": "walked every live object (gc.get_objects)",
    "gc.get_referrers": "walked object references (gc.get_referrers)",
    "gc.get_referents": "walked object references (gc.get_referents)",
    "sys.settrace": "installed or removed a tracer (sys.settrace)",
    "sys.setprofile": "installed or removed a profiler (sys.setprofile)",
    "sys.monitoring.register_callback": "registered a sys.monitoring callback",
    "sys._current_frames": "read every thread's frames (sys._current_frames)",
    "ctypes.dlopen": "loaded a native library with ctypes",
    "ctypes.dlsym": "looked up a native symbol with ctypes",
    "ctypes.dlsym/handle": "looked up a native symbol with ctypes",
}
#: Events blamed only when the submission's own code raised them directly.  Not
#: ``sys._getframe``: the explorer calls it at every switch point, and a hook there
#: slows it past its watchdog; frames are reached through tracebacks below instead.
_DIRECT = {
    # Only when called by the submission itself: multiprocessing.sharedctypes
    # (mp.Value, mp.Array) uses these for honest solutions.
    "ctypes.addressof": "took a raw memory address with ctypes",
    "ctypes.string_at": "read raw memory with ctypes",
    "ctypes.wstring_at": "read raw memory with ctypes",
    "ctypes.call_function": "called a native function with ctypes",
    "code.__new__": "built a code object by hand",
    "marshal.loads": "loaded raw bytecode (marshal.loads)",
}
_EVENTS = frozenset({*_DEEP, *_DIRECT, "object.__getattr__", "import", "open", "os.listdir",
                     "os.scandir", "compile", "os.kill", "os.killpg"})
_FRAME_ATTRS = {"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back", "f_globals", "f_locals"}
_FORBIDDEN_IMPORTS = ("pytest", "_pytest", "pluggy", "grader", "py")
#: Stdlib modules whose public functions and classes must stay what they were.
_WATCHED = ("builtins", "sys", "time", "os", "threading", "_thread", "gc", "socket", "select",
            "signal", "queue", "io", "json", "traceback", "importlib", "inspect", "random",
            "selectors", "subprocess", "concurrent.futures", "multiprocessing", "asyncio")
#: Hooks an honest solution may install.
_SETTABLE = {("threading", "excepthook"), ("sys", "excepthook"), ("sys", "unraisablehook"),
             ("sys", "displayhook"), ("sys", "breakpointhook")}
_MAX_FLAGS = 20


class Policy:
    """The audit hook and its evidence for one subject process."""

    def __init__(self, root: str, report: Callable[[str], None], allowed: list[str] | None = None,
                 permitted: frozenset[str] = frozenset()):
        self.root = os.path.realpath(root)
        self._report = report
        #: Audit events this exercise's honest solutions need (e19 reads every thread's frames).
        self._permitted = permitted
        self._flags: set[str] = set()
        self._local = threading.local()
        paths = sysconfig.get_paths()
        self._std = tuple(sorted({os.path.realpath(p) + os.sep for p in (
            sys.prefix, sys.base_prefix, sys.exec_prefix, paths["stdlib"], paths["purelib"],
            paths["platlib"])}))
        self._grader = os.path.dirname(os.path.dirname(os.path.realpath(__file__))) + os.sep
        # The grader's source is public (tracebacks through a callback read it); hidden
        # tests and solutions live elsewhere.
        self._readable = (self.root + os.sep, self._grader, *self._std,
                          *(os.path.realpath(p) + os.sep for p in allowed or []))
        self._kinds: dict[str, str] = {}
        self._snapshot: dict[str, dict[str, int]] = {}

    # -- set up ----------------------------------------------------------
    def install(self) -> Policy:
        for name in _WATCHED:
            self._snap(name)
        sys.addaudithook(self._hook)
        return self

    def _snap(self, name: str) -> None:
        module = sys.modules.get(name)
        if module is not None and name not in self._snapshot:
            self._snapshot[name] = {k: id(v) for k, v in vars(module).items() if _guarded(name, k, v)}

    def check(self) -> None:
        """Compare watched modules with their snapshots (run after every request)."""
        for name in _WATCHED:
            module = sys.modules.get(name)
            before = self._snapshot.get(name)
            if module is None:
                continue
            if before is None:  # imported since: watch it from now on
                self._snap(name)
                continue
            now = vars(module)
            for key, ident in before.items():
                value = now.get(key)
                if id(value) != ident and (name, key) not in _SETTABLE and not self._ours(value):
                    self.flag(f"replaced {name}.{key}")
            if name == "threading":
                for key in ("_trace_hook", "_profile_hook"):
                    if now.get(key) is not None and not self._ours(now[key]):
                        self.flag(f"set a tracer for every new thread (threading.{key})")
            if name == "builtins":
                for key in now.keys() - before.keys():
                    if _guarded(name, key, now[key]):
                        self.flag(f"added builtins.{key}")

    def flag(self, what: str) -> None:
        if what not in self._flags and len(self._flags) < _MAX_FLAGS:
            self._flags.add(what)
            self._report(what)

    def _ours(self, value: Any) -> bool:
        """Made by the grader (the explorer swaps in modelled primitives while it runs)."""
        code = getattr(value, "__code__", None)
        if code is not None:
            filename = code.co_filename
        else:
            module = sys.modules.get(getattr(value, "__module__", None) or "")
            filename = getattr(module, "__file__", None) or ""
        return self._kind(filename) == TRUSTED if filename else False

    # -- the hook --------------------------------------------------------
    def _hook(self, event: str, args: tuple) -> None:
        if event not in _EVENTS or (event == "object.__getattr__" and args[1] not in _FRAME_ATTRS):
            return  # first and cheap: the explorer raises some events constantly
        if event in self._permitted:
            return
        if sys.gettrace() is not None:
            return  # under the explorer's tracer (3.11), which guards its own scheduling
        if getattr(self._local, "busy", False):
            return
        self._local.busy = True
        try:
            self._judge(event, args, sys._getframe(1))
        except Exception:  # noqa: BLE001 - a policy bug must never break honest code
            pass
        finally:
            self._local.busy = False

    def _judge(self, event: str, args: tuple, frame: FrameType | None) -> None:
        what, culprit = "", None
        if event in _DEEP:
            what, culprit = _DEEP[event], self._blame(frame, deep=True)
        elif event in _DIRECT:
            what, culprit = _DIRECT[event], self._blame(frame, deep=False)
        elif event == "object.__getattr__" and args[1] in _FRAME_ATTRS:
            what = f"reached into frames ({type(args[0]).__name__}.{args[1]})"
            culprit = self._blame(frame, deep=False)
        elif event == "import" and str(args[0]).split(".")[0] in _FORBIDDEN_IMPORTS:
            what, culprit = f"imported {args[0]}", self._blame(frame, deep=True)
        elif event in ("open", "os.listdir", "os.scandir"):
            what = self._outside(event, args)
            culprit = self._blame(frame, deep=True) if what else None
        elif event == "compile" and not str(args[1]).startswith("<"):
            if not os.path.realpath(str(args[1])).startswith(self.root + os.sep):
                what = f"compiled code under another file's name ({args[1]})"
                culprit = self._blame(frame, deep=False)
        elif event in ("os.kill", "os.killpg") and (args[0] in (0, -1, 1) or args[0] == os.getppid()):
            what = f"sent signal {args[1]} to the grader ({event}({args[0]}))"
            culprit = self._blame(frame, deep=True)
        if culprit is not None:
            self.flag(f"{what} at {os.path.basename(culprit.f_code.co_filename)} line {culprit.f_lineno}")

    def _outside(self, event: str, args: tuple) -> str:
        """A description of the access if it is outside what the subject may touch, else ''."""
        path = args[0] if args else None
        if path is None or type(path) is int:
            return ""
        path = os.fsdecode(path)
        real = os.path.realpath(path)
        verb = "opened" if event == "open" else "listed"
        if not (real + os.sep).startswith(self._readable) and not _harmless(real + os.sep):
            return f"{verb} {path!r} outside its folder"
        if not os.path.isdir(os.path.dirname(real)):
            return f"{verb} {path!r}, a path that does not exist in its sandbox"
        return ""

    def _blame(self, frame: FrameType | None, deep: bool) -> FrameType | None:
        """The submission's frame that caused this, if any.

        ``<string>`` frames are always looked through; stdlib frames only when
        ``deep`` (for events the stdlib never raises on behalf of honest code), and
        never past a stdlib module's own import.
        """
        while frame is not None:
            kind = self._kind(frame.f_code.co_filename)
            if kind == SUB:
                return frame
            if kind == TRUSTED or (not deep and not _transparent(frame.f_code.co_filename)):
                return None
            if kind == STD and frame.f_code.co_name == "<module>" and frame.f_back is not None:
                return None  # a stdlib module importing itself (ctypes opens libc at import)
            frame = frame.f_back
        return None

    def _kind(self, filename: str) -> str:
        kind = self._kinds.get(filename)
        if kind is None:
            if filename.startswith("<"):
                kind = STD
            else:
                real = os.path.realpath(filename)
                kind = (SUB if real.startswith(self.root + os.sep) else
                        TRUSTED if real.startswith(self._grader) else
                        STD if real.startswith(self._std) else TRUSTED)
            self._kinds[filename] = kind
        return kind


def _transparent(filename: str) -> bool:
    """Code made by exec() (``<string>``) and ``inspect`` act for their caller; importlib does not."""
    if filename.endswith(f"{os.sep}inspect.py"):
        return True
    return filename.startswith("<") and not filename.startswith("<frozen")


def _guarded(module: str, name: str, value: Any) -> bool:
    if module == "builtins":
        return not name.startswith("__") or name in ("__import__", "__build_class__")
    return not name.startswith("_") and callable(value)


_HARMLESS = ("/dev/shm/", "/dev/null/", "/dev/urandom/", "/dev/zero/", "/proc/self/",
             "/proc/cpuinfo/", "/proc/meminfo/", "/sys/devices/system/cpu/", "/etc/localtime/",
             "/etc/hosts/", "/usr/share/zoneinfo/", "/tmp/", "/var/tmp/")


def _harmless(full: str) -> bool:
    """Paths any program may touch (a shared /tmp minus other subjects' folders)."""
    if full.startswith(f"/proc/{os.getpid()}/"):
        return True
    return full.startswith(_HARMLESS) and "/concurlab-" not in full


def install(root: str, report: Callable[[str], None], permitted: frozenset[str] = frozenset()) -> Policy:
    """Install the policy for a submission in ``root`` (the probe folder is writable too)."""
    allowed = [p for p in (os.environ.get("CONCURLAB_PROBE_DIR"), os.environ.get("TMPDIR")) if p]
    return Policy(root, report, allowed, permitted).install()
