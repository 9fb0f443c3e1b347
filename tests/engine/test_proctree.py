"""Which processes did a call start? multiprocessing's helpers never count as workers."""

from __future__ import annotations

import subprocess
import sys

import psutil
import pytest

from grader.proctree import TreeWatch, is_helper, multiprocessing_role

TRACKER = ["python", "-I", "-c", "from multiprocessing.resource_tracker import main;main(5)"]
FORKSERVER = ["python", "-I", "-c", "from multiprocessing.forkserver import main; "
              "main(5, 7, ['__main__'], **{'sys_path': ['/x']})"]
SPAWN = ["python", "-I", "-c", "from multiprocessing.spawn import spawn_main; "
         "spawn_main(tracker_fd=5, pipe_handle=7)", "--multiprocessing-fork"]


def test_helpers_are_the_tracker_and_the_forkserver_but_not_its_children():
    root = 100
    assert is_helper(TRACKER, parent=root, root=root)
    assert is_helper(FORKSERVER, parent=root, root=root)
    # a worker forked by the forkserver keeps the forkserver's command line
    assert not is_helper(FORKSERVER, parent=101, root=root)
    assert not is_helper(SPAWN, parent=root, root=root)
    assert multiprocessing_role(SPAWN) == "spawn"


@pytest.mark.parametrize("argv", [
    ["python", "-W", "ignore::multiprocessing.resource_tracker", "worker.py"],
    ["python", "-c", "import time; time.sleep(9)", "multiprocessing.resource_tracker"],
    [*TRACKER, "extra"],
    ["python", "-c", "from multiprocessing.resource_tracker import main;main(5); work()"],
    ["python", "-c", "from multiprocessing.forkserver import main; main(5, 7, [work()], **{})"],
    ["python", "-i", "-c", "from multiprocessing.resource_tracker import main;main(5)"],
], ids=["warnoption", "argument", "extra", "second-statement", "code-in-argument", "interactive"])
def test_a_command_line_that_only_mentions_a_helper_is_a_worker(argv):
    assert multiprocessing_role(argv) is None
    assert not is_helper(argv, parent=100, root=100)


def test_a_helper_command_with_code_in_its_environment_is_a_worker():
    decoy = ["python", "-c", "from multiprocessing.resource_tracker import main;main(5)"]
    assert not is_helper(decoy, parent=100, root=100, clean_env=False)


def test_watch_sees_a_short_lived_grandchild():
    shell = subprocess.Popen(["sh", "-c", "sleep 1 & wait"])
    with TreeWatch.processes_of(psutil.Process(shell.pid)) as seen:
        shell.wait()
    assert any("sleep 1" in cmd for cmd in seen.workers().values()), seen.cmdlines
    assert all(seen.parents.get(pid) == shell.pid for pid in seen.workers()), seen.parents


def test_a_worker_that_waits_to_be_seen_is_never_missed(tmp_path):
    """A child that lives only until the watch announced it (the probes' handshake) is seen."""
    from grader import environment

    wait = ("import os, sys, time, pathlib\nend = time.monotonic() + 5\n"
            "seen = pathlib.Path(sys.argv[1]) / sys.argv[2].format(pid=os.getpid())\n"
            "while not seen.exists() and time.monotonic() < end: time.sleep(0.001)\n"
            "print(seen.exists())")
    with TreeWatch.processes_of(psutil.Process(), announce=tmp_path):
        assert (tmp_path / environment.WATCHING).exists(), "the flag is on while watching"
        child = subprocess.run([sys.executable, "-c", wait, str(tmp_path), environment.SEEN],
                               capture_output=True, text=True, timeout=10)
    assert child.stdout.strip() == "True", f"the child was never announced: {child.stderr}"
    assert not (tmp_path / environment.WATCHING).exists(), "the flag stays only while watching"
