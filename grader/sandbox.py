"""Isolation for the subject process: bubblewrap, resource limits and cgroups.

The subject is the only process that runs student code.  Where bubblewrap works
it runs in a private filesystem view (read-only interpreter, venv and grader;
a read-only copy of the module in a work folder of its own; /tmp, /dev/shm and
that work folder are tmpfs of a bounded size), with no network, its own PID
namespace, a clean environment and no capabilities.  Everywhere the
process-level limits below apply; memory (tmpfs included), process count and
CPU bandwidth of the whole subject are bounded by cgroups when the grader may
create them (v2 where the machine offers it, else v1; see :func:`cgroup_summary`).
Grading refuses to run without bubblewrap unless asked to:
``concurlab grade --no-sandbox`` (or ``CONCURLAB_SANDBOX=off``, e.g. to measure
what the sandbox costs).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import hmac
import itertools
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import grader
from grader import environment
from grader.subject.args import SubjectArgs
from grader.subject.policy import MARKER

_GROUP_PREFIX = "concurlab"
_ETC = ("/etc/ld.so.cache", "/etc/localtime", "/etc/hosts", "/etc/nsswitch.conf",
        "/etc/passwd", "/etc/group", "/etc/host.conf")
_counter = itertools.count(1)


class SandboxUnavailable(RuntimeError):
    """Raised when the sandbox is required but bubblewrap cannot run here."""


@dataclass(frozen=True)
class Limits:
    """Per-subject limits: generous for any honest solution, fatal to bombs.

    The defaults are the engine's; an exercise changes them in course.yml
    (``limits:``), which reaches the driver as JSON in ``environment.LIMITS``.
    """

    cpu_seconds: int = 300
    address_space: int = 4 << 30  # per process: threads reserve stacks and malloc arenas
    tasks: int = 256  # processes + threads (pids cgroup)
    file_size: int = 64 << 20  # per file; shared-memory segments count too
    open_files: int = 1024
    output_bytes: int = 1 << 20  # per stream; the rest is drained and dropped
    memory: int = 1 << 30  # every process of the subject together, tmpfs pages included (cgroup)
    cpus: float = 2.0  # CPU bandwidth of the whole subject (cgroup)
    tmpfs: int = 256 << 20  # each of the sandbox's /tmp, /dev/shm and work folder

    @classmethod
    def from_environment(cls) -> Limits:
        """The limits course.yml set for this exercise, else the defaults."""
        raw = os.environ.get(environment.LIMITS)
        if not raw:
            return cls()
        chosen = json.loads(raw)
        return cls(**{f.name: chosen[f.name] for f in dataclasses.fields(cls) if f.name in chosen})


LIMITS = Limits()


def mode() -> str:
    """"require" (the default: never grade outside bubblewrap) or "off" (asked for explicitly).

    There is no silent fallback: "auto", which used to fall back, now means "require",
    and so does any value this grader does not know.
    """
    return "off" if os.environ.get(environment.SANDBOX, "require") == "off" else "require"


@functools.cache
def available() -> bool:
    """Whether bubblewrap can build our sandbox on this machine (probed once)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None or sys.platform != "linux":
        return False
    probe = [bwrap, "--unshare-all", "--unshare-user", "--die-with-parent", "--ro-bind", "/", "/",
             "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "true"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def use_bwrap() -> bool:
    """Decide for this subject; raise if the sandbox is required and missing."""
    if mode() == "off":
        return False
    if available():
        return True
    raise SandboxUnavailable("bubblewrap cannot run here (install the bubblewrap package)")


def unavailable_warning() -> str:
    return ("bubblewrap cannot run here, so submissions cannot be sandboxed. Fix: install the "
            "bubblewrap package (make sandbox), or pass --no-sandbox to grade with process-level "
            "limits only (every report then says so on top).")


def unsandboxed_banner() -> str:
    return ("NOT SANDBOXED: submissions run with process-level limits only (no private "
            "filesystem, network or PID namespace); every feedback.md says so on top.")


@functools.cache
def _interpreter_roots(python: str) -> tuple[str, ...]:
    """Folders an interpreter needs: its prefixes (stdlib, venv) and the grader package."""
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    else:
        code = "import sys, json; print(json.dumps([sys.prefix, sys.base_prefix, sys.exec_prefix]))"
        out = subprocess.run([python, "-I", "-c", code], capture_output=True, text=True, timeout=60)
        paths = set(json.loads(out.stdout))
    paths.add(os.path.dirname(os.path.realpath(python)))
    paths.add(os.path.dirname(os.path.abspath(grader.__file__)))
    return tuple(sorted(os.path.realpath(p) for p in paths))


def bwrap_command(argv: list[str], *, python: str, writable: list[Path], workdir: Path,
                  env: dict[str, str], info_fd: int, tmpfs_size: int = LIMITS.tmpfs,
                  module: Path | None = None) -> list[str]:
    """``argv`` inside a fresh sandbox that sees only what grading needs."""
    cmd = ["bwrap", "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534",
           "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv",
           "--ro-bind", "/usr", "/usr"]
    for link in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        target = f"/{link}"
        if os.path.islink(target):
            cmd += ["--symlink", os.readlink(target), target]
        elif os.path.isdir(target):
            cmd += ["--ro-bind", target, target]
    cmd += [arg for path in _ETC if os.path.exists(path) for arg in ("--ro-bind", path, path)]
    size = ["--size", str(tmpfs_size)]
    cmd += ["--proc", "/proc", "--dev", "/dev", *size, "--tmpfs", "/tmp", *size, "--tmpfs", "/dev/shm"]
    for root in _interpreter_roots(python):
        cmd += ["--ro-bind", root, root]
    # The work folder is a sized tmpfs too (in memory, so the memory cgroup counts it),
    # holding a read-only copy of the module.
    cmd += [*size, "--tmpfs", str(workdir)]
    if module is not None and module.is_file():
        cmd += ["--ro-bind", str(module), str(workdir / module.name)]
    for path in writable:
        cmd += ["--bind", str(path), str(path)]
    for key, value in env.items():
        cmd += ["--setenv", key, value]
    cmd += ["--chdir", str(workdir), "--info-fd", str(info_fd), "--", *argv]
    return cmd


def sandboxed_pid(info_fd: int, timeout: float = 10.0) -> int | None:
    """The outer PID of the command bubblewrap started (the child of its PID-1 helper)."""
    import psutil

    with os.fdopen(info_fd, "rb") as f:
        try:
            helper = int(json.loads(f.read() or b"{}")["child-pid"])
        except (KeyError, ValueError):
            return None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            children = psutil.Process(helper).children()
        except psutil.NoSuchProcess:
            return None
        if children:
            return children[0].pid
        time.sleep(0.002)
    return None


#: Where each controller lives: one unified tree (v2), or one tree per controller (v1).
_CGROUP_ROOT = Path("/sys/fs/cgroup")


def cgroup_layout() -> dict[str, Path]:
    """controller -> the folder our groups go in, for each controller we may use here.

    cgroup v2 where its root offers memory, pids and cpu (then one folder holds
    all three); otherwise the v1 hierarchies that are mounted; nothing where the
    grader may not create groups (not root, read-only cgroupfs).
    """
    unified = _CGROUP_ROOT / "cgroup.controllers"
    if unified.exists():
        with contextlib.suppress(OSError):
            offered = set(unified.read_text().split())
            base = _CGROUP_ROOT / _GROUP_PREFIX
            base.mkdir(exist_ok=True)
            wanted = [c for c in ("memory", "pids", "cpu") if c in offered]
            (_CGROUP_ROOT / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in wanted))
            (base / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in wanted))
            return {c: base for c in wanted}
        return {}
    layout = {}
    for controller in ("memory", "pids", "cpu"):
        base = _CGROUP_ROOT / controller / _GROUP_PREFIX
        with contextlib.suppress(OSError):
            base.mkdir(exist_ok=True)
            layout[controller] = base
    return layout


def cgroup_summary() -> str:
    """What bounds a job on this machine, for the report and the docs."""
    layout = cgroup_layout()
    version = "v2" if (_CGROUP_ROOT / "cgroup.controllers").exists() else "v1"
    if not layout:
        return ("no cgroup: processes per user (RLIMIT_NPROC), address space and CPU time per "
                "process (rlimits) only")
    return f"cgroup {version}: " + ", ".join(sorted(layout))


class Cgroup:
    """The cgroup(s) holding one subject and all it starts: memory, pids and CPU limits.

    Absent (every method a no-op) where the grader may not create groups; the
    rlimits of :func:`limit_preexec` still apply.
    """

    def __init__(self, limits: Limits):
        self.paths: dict[str, Path] = {}
        name = f"{os.getpid()}-{next(_counter)}-{time.monotonic_ns() % 10**9}"
        layout = cgroup_layout()
        v2 = (_CGROUP_ROOT / "cgroup.controllers").exists()
        settings = {
            "memory": [("memory.max", limits.memory), ("memory.swap.max", 0)] if v2 else
                      [("memory.limit_in_bytes", limits.memory),
                       ("memory.memsw.limit_in_bytes", limits.memory)],
            "pids": [("pids.max", limits.tasks)],
            "cpu": [("cpu.max", f"{int(limits.cpus * 100_000)} 100000")] if v2 else
                   [("cpu.cfs_period_us", 100_000), ("cpu.cfs_quota_us", int(limits.cpus * 100_000))],
        }
        for controller, base in layout.items():
            path = base / name
            try:
                path.mkdir(exist_ok=True)
                for i, (key, value) in enumerate(settings[controller]):
                    try:
                        (path / key).write_text(str(value))
                    except OSError:
                        if i == 0:
                            raise  # the limit itself; memsw / swap may be absent (no swap)
                self.paths[controller] = path
            except OSError:
                continue
        self._joins = sorted({p / "cgroup.procs" for p in self.paths.values()})

    @property
    def path(self) -> Path | None:
        """The pids group (the one that lists every task), if any."""
        return self.paths.get("pids") or next(iter(self.paths.values()), None)

    def join(self) -> None:
        """Called in the child before exec (preexec_fn): only write(2)s."""
        pid = str(os.getpid())
        for procs in self._joins:
            with open(procs, "w") as f:
                f.write(pid)

    def memory_exceeded(self) -> str:
        """"" unless the kernel killed a process for the memory limit; then the figures."""
        path = self.paths.get("memory")
        if path is None:
            return ""
        try:
            events = (path / ("memory.events" if (path / "memory.events").exists()
                              else "memory.oom_control")).read_text()
            kills = dict(line.split() for line in events.splitlines() if line.strip())
            if int(kills.get("oom_kill", 0)) == 0:
                return ""
            peak_file = path / ("memory.peak" if (path / "memory.peak").exists()
                                else "memory.max_usage_in_bytes")
            peak = int(peak_file.read_text().split()[0]) if peak_file.exists() else 0
            limit_file = path / ("memory.max" if (path / "memory.max").exists() else "memory.limit_in_bytes")
            limit = int(limit_file.read_text().split()[0])
        except (OSError, ValueError):
            return ""
        return (f"memory: the submission's processes reached {peak / (1 << 20):.0f} MiB, the limit "
                f"is {limit / (1 << 20):.0f} MiB (a process was killed for it)")

    def destroy(self) -> None:
        for path in self.paths.values():
            _kill_and_remove(path)
        self.paths = {}


def _kill_and_remove(path: Path, timeout: float = 10.0) -> None:
    """Kill every task of a cgroup until it is empty, then remove it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pids = [int(p) for p in (path / "cgroup.procs").read_text().split()]
        except OSError:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        if not pids:
            with contextlib.suppress(OSError):
                path.rmdir()
                return
        time.sleep(0.01)


def reap(owner_pid: int) -> None:
    """Remove the cgroups a (killed) driver process left behind, with their processes."""
    for base in set(cgroup_layout().values()):
        with contextlib.suppress(OSError):
            for path in base.glob(f"{owner_pid}-*"):
                _kill_and_remove(path)


def limit_preexec(cgroup: Cgroup, limits: Limits = LIMITS):
    """A preexec_fn: join the cgroup, then set the rlimits (inherited by every descendant)."""

    def preexec() -> None:
        cgroup.join()
        for which, value in ((resource.RLIMIT_CPU, limits.cpu_seconds),
                             (resource.RLIMIT_AS, limits.address_space),
                             (resource.RLIMIT_FSIZE, limits.file_size),
                             (resource.RLIMIT_NOFILE, limits.open_files),
                             (resource.RLIMIT_CORE, 0)):
            _soft, hard = resource.getrlimit(which)
            capped = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (capped, capped))

    return preexec


class Launch:
    """One started subject: its sandbox, its capped output and the evidence it reported."""

    def __init__(self, *, python: str, channel_fd: int, scratch: Path, module_dir: Path,
                 module_name: str, env: dict[str, str], writable: Sequence[Path] = (),
                 permit: Sequence[str] = (),
                 limits: Limits | None = None):
        limits = limits or Limits.from_environment()
        self.flags: list[str] = []
        #: Limits of the job the submission broke, each with its figure (read at stop).
        self.limits_exceeded: list[str] = []
        self._key: bytes | None = None
        self._stamps: set[int] = set()
        self._expected: set[int] = set()
        self._stamped = threading.Condition()
        self.workdir = scratch / "work"
        self.workdir.mkdir()
        source = Path(module_dir) / f"{module_name}.py"
        if source.is_file():
            shutil.copyfile(source, self.workdir / source.name)
        flags_r, flags_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        argv = SubjectArgs(channel_fd, self.workdir, flags_w, tuple(permit)).command(python)
        self.cgroup = Cgroup(limits)
        self.sandboxed = use_bwrap()
        info_r = info_w = -1
        if self.sandboxed:
            info_r, info_w = os.pipe()
            argv = bwrap_command(argv, python=python, writable=list(writable), workdir=self.workdir,
                                 env={**env, "TMPDIR": "/tmp", "HOME": str(self.workdir)},
                                 info_fd=info_w, tmpfs_size=limits.tmpfs,
                                 module=self.workdir / source.name)
        try:
            self.proc = subprocess.Popen(
                argv, pass_fds=[channel_fd, flags_w, *([info_w] if self.sandboxed else [])],
                stdin=subprocess.DEVNULL, stdout=out_w, stderr=err_w, env=env, cwd=self.workdir,
                start_new_session=True, preexec_fn=limit_preexec(self.cgroup, limits))
        finally:
            for fd in (flags_w, out_w, err_w, info_w):
                if fd >= 0:
                    os.close(fd)
        self.pid = self.proc.pid
        if self.sandboxed:
            self.pid = sandboxed_pid(info_r) or self.proc.pid
        self._readers = [
            _start(self._read_flags, flags_r),
            _start(self._drain, out_r, scratch / "stdout", limits.output_bytes, False),
            _start(self._drain, err_r, scratch / "stderr", limits.output_bytes, True),
        ]

    def _read_flags(self, fd: int) -> None:
        """The policy's channel: its key first, then a stamp per checked reply, or evidence."""
        with os.fdopen(fd, "rb") as f:
            for line in iter(lambda: f.readline(1 << 16), b""):  # a line is never unbounded
                with contextlib.suppress(ValueError):
                    record = json.loads(line)
                    if type(record) is dict:
                        self._policy_record(record)
                    else:
                        self._flag(line)

    def _policy_record(self, record: dict) -> None:
        key, nonce, mac = record.get("key"), record.get("stamp"), record.get("mac")
        with self._stamped:
            if type(key) is str and self._key is None:
                self._key = bytes.fromhex(key)
            elif type(nonce) is int and type(mac) is str and self._key is not None and hmac.compare_digest(
                    mac, hashlib.blake2b(str(nonce).encode(), key=self._key, digest_size=16).hexdigest()):
                if nonce not in self._expected:  # the server only checks what the driver sent
                    self._add_flag("raised the grader's check event itself (stamps for requests "
                                   "the driver never sent)")
                    return
                self._expected.discard(nonce)
                self._stamps.add(nonce)
                self._stamped.notify_all()
            else:
                self._add_flag("wrote forged records into the policy's evidence channel")

    def expect(self, nonce: int) -> None:
        """Announce a request's nonce before it is sent (a stamp for any other is forged)."""
        with self._stamped:
            self._expected.add(nonce)

    def stamped(self, nonce: int, timeout: float) -> bool:
        """Whether the policy checked the reply to request ``nonce`` (waits for its stamp)."""
        with self._stamped:
            found = self._stamped.wait_for(lambda: nonce in self._stamps, timeout)
            self._stamps.discard(nonce)
            return found

    def _flag(self, line: bytes) -> None:
        with contextlib.suppress(ValueError):
            what = json.loads(line)
            if type(what) is str:
                self._add_flag(what)

    def _add_flag(self, what: str) -> None:
        if what not in self.flags and len(self.flags) < 20:
            self.flags.append(what)

    def _drain(self, fd: int, path: Path, cap: int, scan: bool) -> None:
        """Keep the first ``cap`` bytes, note the truncation, read (and scan) the rest."""
        marker = MARKER.encode()
        kept = 0
        with os.fdopen(fd, "rb") as src, open(path, "wb") as out:
            for line in iter(lambda: src.readline(1 << 16), b""):
                if scan and line.startswith(marker):
                    self._flag(line[len(marker):])
                    continue
                if kept < cap:
                    out.write(line[:cap - kept])
                    out.flush()
                    kept += len(line)
                    if kept >= cap:
                        out.write(f"\n[output truncated after {cap} bytes]\n".encode())
                        out.flush()

    def wait_output(self, timeout: float) -> bool:
        """Wait until every process that could still print has closed stdout and stderr."""
        end = time.monotonic() + timeout
        for thread in self._readers[1:]:
            thread.join(max(0.0, end - time.monotonic()))
        return not any(thread.is_alive() for thread in self._readers[1:])

    def stop(self) -> None:
        """After the caller killed the tree: empty the cgroup, finish reading evidence."""
        broken = self.cgroup.memory_exceeded()
        if broken and broken not in self.limits_exceeded:
            self.limits_exceeded.append(broken)
        self.cgroup.destroy()
        for thread in self._readers:
            thread.join(timeout=5)


def _start(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True, name="concurlab-sandbox-io")
    thread.start()
    return thread
