"""Entry point of a subject process: ``python -I -m grader.subject --fd N --path DIR``."""

from __future__ import annotations

import argparse
import os
import socket
import sys


def main() -> None:
    parser = argparse.ArgumentParser(prog="concurlab-subject")
    parser.add_argument("--fd", type=int, required=True, help="connected socket to the driver")
    parser.add_argument("--path", required=True, help="folder holding the submission module")
    args = parser.parse_args()
    sock = socket.socket(fileno=args.fd)
    root = os.path.realpath(args.path)
    sys.path.insert(0, root)
    os.chdir(root)
    from grader.lifeline import exit_with_parent
    from grader.subject.server import Server

    exit_with_parent()

    Server(sock, roots=[root]).serve_forever()
    # Student threads may still run; the driver kills the process group anyway.
    os._exit(0)


if __name__ == "__main__":  # spawn children re-import this module as __mp_main__
    main()
