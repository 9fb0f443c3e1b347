"""Entry point of a subject process: ``python -I -m grader.subject --fd N --path DIR``.

The tampering policy is installed before the submission is imported; its
evidence, and a keyed stamp for every checked reply, go to the driver through
``--policy-fd``; nothing here keeps a reference to the policy.  Worker processes started
with spawn or forkserver import this module as ``__mp_main__`` before they
unpickle any student function, so they install the policy too and report on
their stderr, which the driver scans for :data:`MARKER`.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Callable

from grader import environment
from grader.subject.args import SubjectArgs
from grader.subject.policy import MARKER, POLICY_EXIT


def _sender(fd: int, marker: str = "", *, fstat=os.fstat, write=os.write, exit_now=os._exit,
            dumps=json.dumps) -> Callable[[object], None]:
    """Write one JSON line to ``fd``; if ``fd`` was closed or replaced, end the process.

    The OS functions are bound at start: replacing ``os.write`` later changes nothing.
    """
    st = fstat(fd)
    ident = (st.st_dev, st.st_ino)

    def send(value: object) -> None:
        try:
            now = fstat(fd)
            if (now.st_dev, now.st_ino) != ident:
                raise OSError("replaced")
            write(fd, (marker + dumps(value)[:3000] + "\n").encode())
        except BaseException:
            exit_now(POLICY_EXIT)

    return send


def _reporter(send: Callable[[object], None], exit_now=os._exit) -> Callable[[str], None]:
    """Send the flag, then end the process: the exercise is void."""

    def report(what: str) -> None:
        try:
            send(what)
        finally:
            exit_now(POLICY_EXIT)

    return report


def main() -> None:
    args = SubjectArgs.from_argv()
    sock = socket.socket(fileno=args.channel_fd)
    root = os.path.realpath(args.path)
    sys.path.insert(0, root)
    os.chdir(root)
    from grader.subject import policy
    from grader.subject.server import Server  # imported before the policy's snapshot

    if args.policy_fd is not None:
        os.environ[environment.POLICY_ROOT] = root
        # Without a spec, spawn/forkserver workers run this file as __mp_main__ (see below);
        # with one they would skip it, as they skip every package's __main__.
        sys.modules["__main__"].__spec__ = None
        send = _sender(args.policy_fd)
        policy.install(root, _reporter(send), send, frozenset(args.permit))
        del send
    Server(sock, roots=[root]).serve_forever()
    # Student threads may still run; the driver kills the process group anyway.
    os._exit(0)


if __name__ == "__main__":
    main()
elif __name__ == "__mp_main__" and os.environ.get(environment.POLICY_ROOT):
    # A spawn/forkserver worker: the student's functions are unpickled after this.
    from grader.subject import policy as _policy_module

    _policy_module.install(os.environ[environment.POLICY_ROOT], _reporter(_sender(2, MARKER)))
