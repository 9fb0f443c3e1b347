"""Entry point of a subject process: ``python -I -m grader.subject --fd N --path DIR``.

The tampering policy is installed before the submission is imported; its
evidence goes to the driver through ``--policy-fd``.  Worker processes started
with spawn or forkserver import this module as ``__mp_main__`` before they
unpickle any student function, so they install the policy too and report on
their stderr, which the driver scans for :data:`MARKER`.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
from collections.abc import Callable

from grader.subject.policy import MARKER, POLICY_EXIT

_ROOT_ENV = "CONCURLAB_POLICY_ROOT"


def _reporter(fd: int, marker: str = "") -> Callable[[str], None]:
    """Write the flag as a JSON line to ``fd``, then end the process: the exercise is void.

    If ``fd`` was closed or replaced, end it anyway (the evidence is the exit status).
    """
    st = os.fstat(fd)
    ident = (st.st_dev, st.st_ino)

    def report(what: str) -> None:
        try:
            now = os.fstat(fd)
            if (now.st_dev, now.st_ino) != ident:
                raise OSError("replaced")
            os.write(fd, (marker + json.dumps(what)[:3000] + "\n").encode())
        finally:
            os._exit(POLICY_EXIT)

    return report


def main() -> None:
    parser = argparse.ArgumentParser(prog="concurlab-subject")
    parser.add_argument("--fd", type=int, required=True, help="connected socket to the driver")
    parser.add_argument("--path", required=True, help="folder holding the submission module")
    parser.add_argument("--policy-fd", type=int, help="pipe for tampering evidence")
    parser.add_argument("--permit", action="append", default=[],
                        help="an audit event this exercise's solutions need (repeatable)")
    args = parser.parse_args()
    sock = socket.socket(fileno=args.fd)
    root = os.path.realpath(args.path)
    sys.path.insert(0, root)
    os.chdir(root)
    from grader.subject import policy
    from grader.subject.server import Server  # imported before the policy's snapshot

    check = None
    if args.policy_fd is not None:
        os.environ[_ROOT_ENV] = root
        # Without a spec, spawn/forkserver workers run this file as __mp_main__ (see below);
        # with one they would skip it, as they skip every package's __main__.
        sys.modules["__main__"].__spec__ = None
        check = policy.install(root, _reporter(args.policy_fd), frozenset(args.permit)).check
    Server(sock, roots=[root], after_request=check).serve_forever()
    # Student threads may still run; the driver kills the process group anyway.
    os._exit(0)


if __name__ == "__main__":
    main()
elif __name__ == "__mp_main__" and os.environ.get(_ROOT_ENV):
    # A spawn/forkserver worker: the student's functions are unpickled after this.
    from grader.subject import policy as _policy_module

    _policy_module.install(os.environ[_ROOT_ENV], _reporter(2, MARKER))
