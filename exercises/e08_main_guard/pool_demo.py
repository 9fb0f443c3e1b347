"""e08 - Start methods and the main-module guard: a script with a process pool.

Under the ``spawn`` start method every worker is a fresh interpreter that
imports this file again (as ``__mp_main__``). Whatever runs at module level
runs again in each worker: the work belongs in ``main()``, called only under
``if __name__ == "__main__":``.
"""

from __future__ import annotations

import sys


def square_sum(bounds: tuple[int, int]) -> int:
    """The sum of i*i for i in range(*bounds) (given): the work one pool task does."""
    return sum(i * i for i in range(*bounds))


def main(argv: list[str] | None = None) -> int:
    """``python pool_demo.py N``: print the sum of squares of 0..N-1, computed in a spawn pool.

    - ``argv`` holds the arguments without the program name (``sys.argv[1:]`` when None).
    - Returns 0 after printing the sum; for bad arguments prints a usage message on
      stderr and returns 2, before starting any process.
    - Importing this module starts no process and prints nothing.
    """
    args = sys.argv[1:] if argv is None else argv
    # TODO: check args; split range(N) into a few ranges; sum square_sum over them in a
    # TODO: pool from multiprocessing.get_context("spawn"); print the total.
    raise NotImplementedError(f"main({args}) is not written yet: see README.md")


# TODO: call main() (and exit with its code) only when run as a script.
