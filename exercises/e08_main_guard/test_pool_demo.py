"""Visible tests for e08: run `pytest exercises/e08_main_guard`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pool_demo

from grader.student.children import ChildProcesses

HERE = Path(__file__).resolve().parent


def run(*argv: str) -> subprocess.CompletedProcess:
    """Run pool_demo.py as a script, the way a user would."""
    return subprocess.run([sys.executable, "pool_demo.py", *argv], cwd=HERE,
                          capture_output=True, text=True, timeout=60)


def test_script_prints_the_sum():
    got = run("10")
    assert got.returncode == 0, f"exit code {got.returncode}; stderr:\n{got.stderr[-2000:]}"
    assert got.stdout.split() == ["285"], f"0+1+4+...+81 is 285, printed {got.stdout!r}"


def test_script_with_bad_arguments():
    got = run("ten")
    assert got.returncode == 2, f"bad arguments: exit code must be 2, got {got.returncode}"
    assert "usage" in got.stderr.lower(), "print a usage message on stderr"


def test_main_returns_the_exit_code(capsys):
    with ChildProcesses() as seen:
        assert pool_demo.main(["20000"]) == 0
    assert capsys.readouterr().out.split() == [str(sum(i * i for i in range(20000)))]
    assert seen.spawned, "main() must compute in a process pool that uses the spawn start method"
    assert pool_demo.main([]) == 2


def test_importing_does_nothing():
    got = subprocess.run([sys.executable, "-c", "import pool_demo"], cwd=HERE,
                         capture_output=True, text=True, timeout=60)
    assert got.returncode == 0 and not got.stdout and not got.stderr, (
        f"importing pool_demo must print nothing and start nothing; it printed {got.stdout!r} "
        f"{got.stderr[-500:]!r} (exit code {got.returncode})")
