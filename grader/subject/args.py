"""What the driver passes to a subject process: ``python -I -m grader.subject ARGS``.

One type for both sides: the sandbox (:class:`grader.sandbox.Launch`) builds the
command with :meth:`SubjectArgs.command`; the subject's entry point
(:mod:`grader.subject.__main__`) reads it back with :meth:`SubjectArgs.from_argv`.
Standard library only: the subject parses it before its policy is installed.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: The module the subject process runs.
ENTRY_POINT = "grader.subject"


@dataclass(frozen=True)
class SubjectArgs:
    #: A connected socket to the driver (requests, callbacks).
    channel_fd: int
    #: The folder holding the submission module (the subject's working folder).
    path: Path
    #: A pipe for tampering evidence; None runs without the policy (engine tests).
    policy_fd: int | None = None
    #: Audit events this exercise's honest solutions need (a hidden module's ``concurlab_permit``).
    permit: tuple[str, ...] = ()

    def command(self, python: str) -> list[str]:
        """The whole command line, isolated mode (``-I``: no user site, no PYTHON* variables)."""
        return [python, "-I", "-m", ENTRY_POINT, *self.to_argv()]

    def to_argv(self) -> list[str]:
        argv = ["--fd", str(self.channel_fd), "--path", str(self.path)]
        if self.policy_fd is not None:
            argv += ["--policy-fd", str(self.policy_fd)]
        return [*argv, *(arg for event in self.permit for arg in ("--permit", event))]

    @classmethod
    def from_argv(cls, argv: Sequence[str] | None = None) -> SubjectArgs:
        parser = argparse.ArgumentParser(prog="concurlab-subject")
        parser.add_argument("--fd", type=int, required=True, help="connected socket to the driver")
        parser.add_argument("--path", required=True, help="folder holding the submission module")
        parser.add_argument("--policy-fd", type=int, help="pipe for tampering evidence")
        parser.add_argument("--permit", action="append", default=[],
                            help="an audit event this exercise's solutions need (repeatable)")
        ns = parser.parse_args(argv)
        return cls(ns.fd, Path(ns.path), ns.policy_fd, tuple(ns.permit))
