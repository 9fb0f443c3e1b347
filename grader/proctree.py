"""The subject's process tree, watched from the driver (out of the submission's reach).

Hidden tests ask two questions of it: which processes did the submission start
(:func:`workers` now, :class:`TreeWatch` over a call), and where did the CPU
time go (:class:`TreeWatch` with ``cpu=True``, read by :mod:`grader.speedup`).
multiprocessing's own helpers, the resource tracker and the forkserver, live
as long as the subject by design and never count as workers.
"""

from __future__ import annotations

import ast
import contextlib
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from grader import environment

#: The function each multiprocessing command line calls, by role.
_ENTRY = {"resource_tracker": ("multiprocessing.resource_tracker", "main"),
          "forkserver": ("multiprocessing.forkserver", "main"),
          "spawn": ("multiprocessing.spawn", "spawn_main")}
#: Interpreter options multiprocessing passes on (``util._args_from_interpreter_flags``).
_FLAG = re.compile(r"-[bBdEIOqsSuv]+|-W\S.*|-X\S.*")
#: Environment that would run other code before ``-c`` (unless -I or -E ignores it).
_CODE_ENV = ("PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE", "PYTHONSTARTUP", "PYTHONINSPECT")


def cmdline(proc: psutil.Process) -> str:
    """The command line of ``proc``, "" when it is gone or a zombie."""
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


def multiprocessing_role(argv: list[str]) -> str | None:
    """"resource_tracker", "forkserver" or "spawn" when ``argv`` is exactly the command
    multiprocessing builds for it (``python [flags] -c CODE``), else None.

    CODE must be the import and one call with literal arguments, nothing else: a
    command line that merely mentions the module (``-W``, an extra argument, a
    decoy ``-c`` program) is not a helper.
    """
    if type(argv) is not list or "-c" not in argv[1:]:
        return None
    at = argv.index("-c", 1)
    if not all(type(f) is str and _FLAG.fullmatch(f) for f in argv[1:at]) or at + 1 >= len(argv):
        return None
    role = _literal_call(argv[at + 1])
    rest = argv[at + 2:]
    if role is None or rest != (["--multiprocessing-fork"] if role == "spawn" else []):
        return None
    return role


def _literal_call(code: str) -> str | None:
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    if len(tree.body) != 2:
        return None
    imp, call = tree.body
    for role, (module, name) in _ENTRY.items():
        if not (isinstance(imp, ast.ImportFrom) and imp.module == module and imp.level == 0
                and [(a.name, a.asname) for a in imp.names] == [(name, None)]):
            continue
        if not (isinstance(call, ast.Expr) and isinstance(call.value, ast.Call)
                and isinstance(call.value.func, ast.Name) and call.value.func.id == name):
            return None
        try:
            for node in [*call.value.args, *(k.value for k in call.value.keywords)]:
                ast.literal_eval(node)
        except ValueError:
            return None
        return role
    return None


def clean_environment(proc: psutil.Process, argv: list[str]) -> bool:
    """No environment variable could have run code before multiprocessing's ``-c`` program."""
    flags = argv[1:argv.index("-c", 1)] if "-c" in argv[1:] else []
    if any("I" in f or "E" in f for f in flags if not f.startswith(("-W", "-X"))):
        return True
    try:
        env = proc.environ()
    except psutil.Error:
        return False
    return not any(key in env for key in _CODE_ENV)


def is_helper(argv: list[str], parent: int | None, root: int, clean_env: bool = True) -> bool:
    """The resource tracker, or the forkserver itself (its children, the workers, share its
    command line), recognised by their exact command line; never anything that only mentions them."""
    role = multiprocessing_role(argv) if clean_env else None
    return role == "resource_tracker" or (role == "forkserver" and parent == root)


def workers(root: psutil.Process) -> list[psutil.Process]:
    """Descendants of ``root`` that the submission started (zombies included)."""
    try:
        procs = root.children(recursive=True)
    except psutil.Error:
        return []
    found = []
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            try:
                argv = proc.cmdline()
            except psutil.Error:
                argv = []
            if not is_helper(argv, proc.ppid(), root.pid, clean_environment(proc, argv)):
                found.append(proc)
    return found


def namespace_pid(pid: int) -> int | None:
    """The pid a process sees for itself (innermost of ``NSpid``: the sandbox has its own PID
    namespace), or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("NSpid:"):
            return int(line.split()[-1])
    return pid


def describe(proc: psutil.Process) -> str:
    """``pid 123 (zombie: ...)`` or ``pid 123 (sleeping: python -c ...)``."""
    try:
        status = proc.status()
    except psutil.NoSuchProcess:
        return f"pid {proc.pid} (gone)"
    if status == psutil.STATUS_ZOMBIE:
        return f"pid {proc.pid} (zombie: it ended but nobody joined it)"
    return f"pid {proc.pid} ({status}: {cmdline(proc)[:90]})"


@dataclass
class TreeWatch:
    """Samples every descendant of ``process`` from a driver thread while a call runs.

    ``with TreeWatch(subject.process) as seen: sub.f(...)``, then
    ``seen.workers()`` (pid -> command line of each process the submission
    started).  Zombies count, so a process stays visible until it is joined;
    a worker lives at least one interpreter start-up, far longer than the
    interval.  The last non-empty command line is kept: a helper caught
    between fork and exec looks like its parent at first.  With ``cpu=True``
    each sample also records every descendant's CPU time, for
    :func:`grader.speedup.structure`.
    """

    process: psutil.Process
    interval: float = 0.02
    cpu: bool = True
    cmdlines: dict[int, list[str]] = field(default_factory=dict)
    parents: dict[int, int] = field(default_factory=dict)
    #: pid -> whether its environment could not have run code before its ``-c`` program.
    clean_env: dict[int, bool] = field(default_factory=dict)
    #: pid as the driver sees it -> pid as the process sees itself (what probes record).
    inner: dict[int, int] = field(default_factory=dict)
    samples: list[tuple[float, dict[int, float]]] = field(default_factory=list)
    #: A probe folder to announce each process seen in (see ``environment.WATCHING``).
    announce: Path | None = None
    #: The most processes started during the watch that were running in one sample (zombies
    #: not counted: a pool that replaces its workers has only so many alive at a time; nor
    #: processes already there when the watch began, e.g. left behind by an earlier call).
    most_at_once: int = 0

    def __enter__(self) -> TreeWatch:
        if self.announce is not None:
            (self.announce / environment.WATCHING).touch()
        self.before = self.after = self.process.cpu_times()
        self.known = {p.pid for p in self._descendants()}
        self.inner[self.process.pid] = namespace_pid(self.process.pid) or self.process.pid
        self._stop = threading.Event()
        self._sample()
        self._thread = threading.Thread(target=self._run, name="tree-watch", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        with contextlib.suppress(psutil.Error):  # if it ended, the samples remain
            self.after = self.process.cpu_times()
        if self.announce is not None:
            (self.announce / environment.WATCHING).unlink(missing_ok=True)

    @classmethod
    def processes_of(cls, process: psutil.Process, announce: Path | None = None) -> TreeWatch:
        """A watch of which processes start (every 2 ms, no CPU readings)."""
        return cls(process, interval=0.002, cpu=False, announce=announce)

    def helper(self, pid: int) -> bool:
        return is_helper(self.cmdlines.get(pid, []), self.parents.get(pid), self.process.pid,
                         self.clean_env.get(pid, False))

    def role(self, pid: int) -> str | None:
        """multiprocessing's role for this process ("spawn", ...) by its exact command line."""
        return multiprocessing_role(self.cmdlines.get(pid, [])) if self.clean_env.get(pid) else None

    def workers(self) -> dict[int, str]:
        """pid -> last command line of every process seen that the submission started."""
        return {pid: " ".join(line) for pid, line in self.cmdlines.items() if not self.helper(pid)}

    def used(self) -> dict[int, float]:
        """CPU seconds each descendant used during the watch (``cpu=True`` only)."""
        first: dict[int, float] = {}
        last: dict[int, float] = {}
        for _, cpu in self.samples:
            for p, s in cpu.items():
                first.setdefault(p, s if p in self.known else 0.0)
                last[p] = s
        return {p: last[p] - first[p] for p in last}

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _descendants(self) -> list[psutil.Process]:
        try:
            return self.process.children(recursive=True)
        except psutil.Error:
            return []

    def _sample(self) -> None:
        cpu: dict[int, float] = {}
        running = 0
        for proc in self._descendants():
            if self.cpu:
                seconds = _cpu_seconds(proc)
                if seconds is None:
                    continue
                cpu[proc.pid] = seconds
            if proc.pid not in self.inner:
                inner = namespace_pid(proc.pid)
                if inner is not None:
                    self.inner[proc.pid] = inner
                    if self.announce is not None:
                        with contextlib.suppress(OSError):
                            (self.announce / environment.SEEN.format(pid=inner)).touch()
            try:  # read again each time: between fork and exec it is the parent's
                line = proc.cmdline()
                self.parents.setdefault(proc.pid, proc.ppid())
            except psutil.Error:
                line = []
            if line or proc.pid not in self.cmdlines:  # a zombie's is empty: keep the last
                if line != self.cmdlines.get(proc.pid):
                    self.clean_env[proc.pid] = clean_environment(proc, line)
                self.cmdlines[proc.pid] = line
            running += bool(line) and proc.pid not in self.known and not self.helper(proc.pid)
        self.most_at_once = max(self.most_at_once, running)
        if self.cpu:
            self.samples.append((time.monotonic(), cpu))


def _cpu_seconds(proc: psutil.Process) -> float | None:
    """CPU time of a process: its threads' schedstat (nanoseconds) where Linux offers it.

    ``/proc/<pid>/stat`` counts in 10 ms ticks, too coarse for 20 ms samples;
    it still counts threads that already ended, hence the max of both.
    """
    try:
        times = proc.cpu_times()
    except psutil.Error:
        return None
    ticks = times.user + times.system
    try:
        nanos = 0
        for task in Path(f"/proc/{proc.pid}/task").iterdir():
            nanos += int((task / "schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return ticks
    return max(ticks, nanos / 1e9)
