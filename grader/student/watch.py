"""``concurlab watch``: re-run an exercise's visible tests on every save.

File events come from ``watchfiles``; on network drives and WSL's Windows mounts, where
the kernel sends no events, it polls (``force_polling``), chosen by itself from the
mount's file system or asked for with ``--poll``. Keys are read in a thread (single
keystrokes on a terminal, lines otherwise): ``r`` re-runs, ``h`` shows the next hint,
``q`` quits. When the tests pass, it moves on to the next exercise not yet passed.
"""

from __future__ import annotations

import os
import platform
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import click
import watchfiles

from grader.student.hints import HintError, next_hint
from grader.student.state import HandoutState, exercises_in

#: File systems that deliver no change events to a watcher on this machine.
POLLED_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "drvfs", "fuse.sshfs",
                      "vboxsf", "virtiofs", "fuse.rclone"}


def needs_polling(path: Path) -> bool:
    """True on a network or WSL mount, where inotify stays silent."""
    best, fstype = "", ""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return False
    resolved = str(path.resolve())
    for line in mounts:
        parts = line.split()
        inside = len(parts) >= 3 and (resolved == parts[1]
                                      or resolved.startswith(parts[1].rstrip("/") + "/"))
        if inside and len(parts[1]) > len(best):
            best, fstype = parts[1], parts[2]
    wsl_windows_drive = "microsoft" in platform.release().lower() and resolved.startswith("/mnt/")
    return fstype in POLLED_FILESYSTEMS or wsl_windows_drive


@contextmanager
def _single_keys():
    """Keystrokes without Enter on a terminal; lines otherwise (tests, pipes)."""
    if not sys.stdin.isatty():
        yield
        return
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class Watcher:
    """The watch loop: events (saves, keys) in one queue, handled one at a time."""

    def __init__(self, root: Path, exercise_id: str, *, force_polling: bool | None = None,
                 echo: Callable[[str], None] = click.echo, clear: Callable[[], None] = click.clear):
        self.root = root
        self.exercise_id = exercise_id
        self.force_polling = force_polling if force_polling is not None else needs_polling(root)
        self.echo, self.clear = echo, clear
        self.events: queue.Queue[tuple[str, str]] = queue.Queue()
        self.stop = threading.Event()
        self.banner = ""

    def run(self) -> None:
        threading.Thread(target=self._watch_files, name="concurlab-files", daemon=True).start()
        with _single_keys():
            threading.Thread(target=self._read_keys, name="concurlab-keys", daemon=True).start()
            self._test()
            while not self.stop.is_set():
                kind, what = self.events.get()
                if kind == "key" and what == "q":
                    break
                if kind == "key" and what == "h":
                    self._hint()
                elif kind == "change" or (kind == "key" and what == "r"):
                    self._test()
        self.stop.set()

    def _watch_files(self) -> None:
        folder = self.root / "exercises"
        for changes in watchfiles.watch(folder, stop_event=self.stop,
                                        force_polling=self.force_polling, poll_delay_ms=200,
                                        watch_filter=lambda _c, path: path.endswith(".py"),
                                        raise_interrupt=False):
            mine = [p for _c, p in changes if Path(p).parent.name == self.exercise_id]
            if mine:
                self.events.put(("change", mine[0]))

    def _read_keys(self) -> None:
        while not self.stop.is_set():
            try:
                key = sys.stdin.read(1)
            except (OSError, ValueError):  # no usable input (closed, or captured by a runner)
                return
            if not key:  # end of input: nothing more will come
                return
            if key.strip():
                self.events.put(("key", key.strip().lower()))

    def _test(self) -> None:
        self.clear()
        mode = "polling" if self.force_polling else "file events"
        self.echo(f"concurlab watch: {self.exercise_id} ({mode}; r re-runs, h hint, q quits)\n")
        if self.banner:
            self.echo(self.banner + "\n")
            self.banner = ""
        env = {**os.environ, "PY_COLORS": "1" if sys.stdout.isatty() else "0"}
        proc = subprocess.run([sys.executable, "-m", "pytest", f"exercises/{self.exercise_id}",
                               "-q"], cwd=self.root, env=env, capture_output=True, text=True)
        self.echo(proc.stdout.rstrip())
        if proc.returncode == 0:
            self._move_on()
        else:
            self.echo(f"\nwaiting for you to save exercises/{self.exercise_id}/ ...")

    def _move_on(self) -> None:
        state = HandoutState.load(self.root)
        ids = exercises_in(self.root)
        rest = [e for e in ids[ids.index(self.exercise_id) + 1:] + ids[:ids.index(self.exercise_id)]
                if (r := state.runs.get(e)) is None or r.status != "passed"]
        if not rest:
            self.echo(f"\n{self.exercise_id} passes, and so does every exercise. Well done!")
            self.stop.set()
            self.events.put(("key", "q"))
            return
        self.banner = (f"{self.exercise_id} passes its visible tests. Moving on to {rest[0]}: "
                       f"read exercises/{rest[0]}/README.md")
        self.echo("\n" + self.banner)
        self.exercise_id = rest[0]
        self.events.put(("key", "r"))

    def _hint(self) -> None:
        try:
            tier, tiers, text = next_hint(self.root, self.exercise_id)
        except HintError as exc:
            self.echo(str(exc))
            return
        self.echo(f"\n{self.exercise_id}, hint {tier} of {tiers}:\n\n{text}\n")
