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
import hashlib
import os
import posixpath
import sys
import sysconfig
import threading
import types
from collections.abc import Callable
from types import FrameType
from typing import Any

from grader import environment

#: Prefix of a policy report written to stderr by worker processes.
MARKER = "\x1econcurlab-policy:"
#: Exit status when the evidence channel was closed or replaced under the policy.
POLICY_EXIT = 86
#: Audit event the server raises after every request: the hook checks, then stamps the reply.
CHECK_EVENT = "concurlab.check"

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
#: Events blamed on the submission only when its own code (or ``inspect``) asked for a frame:
#: the explorer and the stdlib (namedtuple, logging, warnings) ask all the time.
_FRAME_CALLS = {
    "sys._getframe": "walked the call stack (sys._getframe)",
    "sys._getframemodulename": "walked the call stack (sys._getframemodulename)",
}
#: Events that install a tracer or profiler for the thread that raises them.
_TRACE_SETTERS = ("sys.settrace", "sys.setprofile", "sys._settraceallthreads",
                  "sys._setprofileallthreads")
_EVENTS = frozenset({*_DEEP, *_DIRECT, *_FRAME_CALLS, *_TRACE_SETTERS, "object.__getattr__",
                     "import", "open", "os.listdir", "os.scandir", "compile", "os.kill",
                     "os.killpg", CHECK_EVENT})
_FRAME_ATTRS = {"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_back", "f_globals", "f_locals"}
_FORBIDDEN_IMPORTS = ("pytest", "_pytest", "pluggy", "grader", "py")
#: Stdlib modules whose public functions and classes must stay what they were.
_WATCHED = ("builtins", "sys", "time", "os", "posixpath", "threading", "_thread", "gc", "socket",
            "select", "signal", "queue", "io", "json", "traceback", "importlib", "inspect",
            "random", "selectors", "subprocess", "concurrent.futures", "multiprocessing", "asyncio",
            "hashlib")
#: The subject's own modules and classes: replacing any of their functions is tampering.
_OWN = ("grader.subject.server", "grader.subject.channel", "grader.subject.codec",
        "grader.subject.policy", "grader.subject.__main__", "__main__")
#: Methods of the policy bound to the instance at start: patching the class later changes nothing.
_PINNED = ("check", "flag", "_ours", "_hook", "_judge", "_outside", "_blame", "_kind", "_snap",
           "_snap_own", "_trusted_tracer", "_stamp")
#: Hooks an honest solution may install.
_SETTABLE = {("threading", "excepthook"), ("sys", "excepthook"), ("sys", "unraisablehook"),
             ("sys", "displayhook"), ("sys", "breakpointhook")}
_MAX_FLAGS = 20


class Policy:
    """The audit hook and its evidence for one subject process.

    Nothing in the subject holds this object but the audit hook itself (which
    Python code cannot list or remove): the server asks for a check by raising
    :data:`CHECK_EVENT`, and the hook answers the driver directly with a stamp
    keyed by a secret only this object knows.  A reply the driver receives
    without its stamp was sent past the check.  Methods, helpers and the OS
    functions it needs are pinned at start, so patching them later has no effect.
    """

    def __init__(self, root: str, report: Callable[[str], None], allowed: list[str] | None = None,
                 send: Callable[[dict], None] | None = None, permitted: frozenset[str] = frozenset()):
        for name in _PINNED:  # instance attributes win over a patched class
            setattr(self, name, getattr(self, name))
        self._realpath, self._isdir, self._fsdecode = posixpath.realpath, posixpath.isdir, os.fsdecode
        self._getframe, self._gettrace, self._getpid = sys._getframe, sys.gettrace, os.getpid
        self._transparent, self._guarded, self._harmless = _transparent, _guarded, _harmless
        self._blake2b = hashlib.blake2b
        self.root = self._realpath(root)
        self._report = report
        self._send = send
        #: Audit events this exercise's honest solutions need (e19 reads every thread's frames).
        self._permitted = permitted
        self._key = os.urandom(32)
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
        self._own: dict[str, tuple[dict, dict[str, int], list[tuple[Any, str, int, str]]]] = {}
        self._tracers: dict[int, Any] = {}  # trusted tracers seen (kept alive: ids stay unique)

    # -- set up ----------------------------------------------------------
    def install(self) -> Policy:
        for name in _WATCHED:
            self._snap(name)
        for name in _OWN:
            self._snap_own(name)
        if self._send is not None:  # the driver verifies every stamp with this key
            self._send({"key": self._key.hex()})
        sys.addaudithook(self._hook)
        return self

    def _snap(self, name: str) -> None:
        module = sys.modules.get(name)
        if module is not None and name not in self._snapshot:
            self._snapshot[name] = {k: id(v) for k, v in vars(module).items() if self._guarded(name, k, v)}

    def _snap_own(self, name: str) -> None:
        """The subject's own functions and every method of its classes, by identity."""
        module = sys.modules.get(name)
        if module is None or type(module) is not types.ModuleType:
            return
        functions = {k: id(v) for k, v in vars(module).items()}
        methods = [(vars(v), m, id(f), f"{k}.{m}") for k, v in vars(module).items()
                   if type(v) is type and v.__module__ == module.__name__ for m, f in vars(v).items()]
        self._own[name] = (vars(module), functions, methods)

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
                    if self._guarded(name, key, now[key]):
                        self.flag(f"added builtins.{key}")
        for name, (now, functions, methods) in self._own.items():
            for key, ident in functions.items():
                if id(now.get(key)) != ident:
                    self.flag(f"replaced the grader's {name}.{key}")
            for namespace, key, ident, label in methods:  # the classes' own __dict__, held
                if id(namespace.get(key)) != ident:
                    self.flag(f"replaced the grader's {name}.{label}")

    def flag(self, what: str) -> None:
        if what not in self._flags and len(self._flags) < _MAX_FLAGS:
            self._flags.add(what)
            self._report(what)

    def _stamp(self, nonce: Any) -> None:
        """Tell the driver, on the evidence channel, that the check for this request ran."""
        if self._send is not None and type(nonce) is int:
            mac = self._blake2b(str(nonce).encode(), key=self._key, digest_size=16).hexdigest()
            self._send({"stamp": nonce, "mac": mac})

    def _ours(self, value: Any) -> bool:
        """Made by the grader (the explorer swaps in modelled primitives while it runs).

        Reads only what no submission object can fake or run code for: the code
        object of a real function or bound method, or the module of a class.
        """
        t = type(value)
        if t is types.MethodType:
            value, t = value.__func__, type(value.__func__)
        if t is types.FunctionType:
            filename = value.__code__.co_filename
        elif t is type or t is types.BuiltinFunctionType:
            module = sys.modules.get(value.__module__ if type(value.__module__) is str else "")
            filename = getattr(module, "__file__", None) if type(module) is types.ModuleType else None
        else:
            return False
        return type(filename) is str and self._kind(filename) == TRUSTED

    def _trusted_tracer(self) -> bool:
        """Whether this thread's tracer is the explorer's (which guards its own scheduling)."""
        tracer = self._gettrace()
        if tracer is None:
            return False
        if id(tracer) in self._tracers:
            return True
        if self._ours(tracer):
            self._tracers[id(tracer)] = tracer
            return True
        return False

    # -- the hook --------------------------------------------------------
    def _hook(self, event: str, args: tuple) -> None:
        if event not in _EVENTS or (event == "object.__getattr__" and args[1] not in _FRAME_ATTRS):
            return  # first and cheap: the explorer raises some events constantly
        if event in self._permitted:
            return
        if getattr(self._local, "busy", False):
            return
        self._local.busy = True
        try:
            if event == CHECK_EVENT:
                try:
                    self.check()
                finally:
                    self._stamp(args[0] if args else None)
            elif not self._trusted_tracer():  # under the explorer's tracer (3.11): it guards itself
                self._judge(event, args, self._getframe(1))
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
        elif event in _FRAME_CALLS:
            what, culprit = _FRAME_CALLS[event], self._blame(frame, deep=False)
        elif event == "object.__getattr__" and args[1] in _FRAME_ATTRS:
            what = f"reached into frames ({type(args[0]).__name__}.{args[1]})"
            culprit = self._blame(frame, deep=False)
        elif event == "import" and type(args[0]) is str and args[0].split(".")[0] in _FORBIDDEN_IMPORTS:
            what, culprit = f"imported {args[0]}", self._blame(frame, deep=True)
        elif event in ("open", "os.listdir", "os.scandir"):
            what = self._outside(event, args)
            culprit = self._blame(frame, deep=True) if what else None
        elif event == "compile" and type(args[1]) is str and not args[1].startswith("<"):
            if not self._realpath(args[1]).startswith(self.root + os.sep):
                what = f"compiled code under another file's name ({args[1]})"
                culprit = self._blame(frame, deep=False)
        elif event in ("os.kill", "os.killpg") and (args[0] in (0, -1, 1) or args[0] == os.getppid()):
            what = f"sent signal {args[1]} to the grader ({event}({args[0]}))"
            culprit = self._blame(frame, deep=True)
        if event in _TRACE_SETTERS and culprit is None:
            threading_module = sys.modules.get("threading")
            for key in ("_trace_hook", "_profile_hook"):
                hook = getattr(threading_module, key, None)
                if hook is not None and not self._ours(hook):  # threading.settrace, then a thread
                    what, culprit = f"set a tracer for every new thread (threading.{key})", frame
        if culprit is not None:
            self.flag(f"{what} at {os.path.basename(culprit.f_code.co_filename)} line {culprit.f_lineno}")

    def _outside(self, event: str, args: tuple) -> str:
        """A description of the access if it is outside what the subject may touch, else ''."""
        path = args[0] if args else None
        if path is None or type(path) is int:
            return ""
        if type(path) not in (str, bytes):  # never run a submission's __fspath__ in here
            return f"{'opened' if event == 'open' else 'listed'} a path given as {type(path).__name__}"
        path = self._fsdecode(path)
        real = self._realpath(path)
        verb = "opened" if event == "open" else "listed"
        if not (real + os.sep).startswith(self._readable) and not self._harmless(real + os.sep):
            return f"{verb} {path!r} outside its folder"
        if not self._isdir(os.path.dirname(real)):
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
            if kind == TRUSTED or (not deep and not self._transparent(frame.f_code.co_filename)):
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
                real = self._realpath(filename)
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


def install(root: str, report: Callable[[str], None],
            send: Callable[[dict], None] | None = None, permitted: frozenset[str] = frozenset()) -> None:
    """Install the policy for a submission in ``root`` (the probe folder is writable too).

    Returns nothing: no reference to the policy is left for the submission to find.
    """
    allowed = [p for p in (os.environ.get(environment.PROBE_DIR), os.environ.get("TMPDIR")) if p]
    Policy(root, report, allowed, send, permitted).install()
