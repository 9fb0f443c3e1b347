"""Which processes did a call start? multiprocessing's helpers never count as workers."""

from __future__ import annotations

import subprocess

import psutil

from grader.proctree import TreeWatch, is_helper

TRACKER = "python -c from multiprocessing.resource_tracker import main;main(5)"
FORKSERVER = "python -c from multiprocessing.forkserver import main; main(5, 7, ['__main__'])"


def test_helpers_are_the_tracker_and_the_forkserver_but_not_its_children():
    root = 100
    assert is_helper(TRACKER, parent=root, root=root)
    assert is_helper(FORKSERVER, parent=root, root=root)
    # a worker forked by the forkserver keeps the forkserver's command line
    assert not is_helper(FORKSERVER, parent=101, root=root)
    assert not is_helper("python -c from multiprocessing.spawn import spawn_main", parent=root, root=root)


def test_watch_sees_a_short_lived_grandchild():
    shell = subprocess.Popen(["sh", "-c", "sleep 1 & wait"])
    with TreeWatch.processes_of(psutil.Process(shell.pid)) as seen:
        shell.wait()
    assert any("sleep 1" in cmd for cmd in seen.workers().values()), seen.cmdlines
    assert all(seen.parents.get(pid) == shell.pid for pid in seen.workers()), seen.parents
