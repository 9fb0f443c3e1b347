# rejects: test_script_prints_sum_of_squares, test_script_uses_spawn_pool, test_main_returns_0_and_prints
"""Sends a lambda to spawned workers: it cannot be pickled by name."""

import multiprocessing
import sys


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit():
        print("usage: python pool_demo.py N", file=sys.stderr)
        return 2
    n = int(args[0])
    step = max(1, n // 8)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        parts = pool.map(lambda b: sum(i * i for i in range(*b)),
                         [(lo, min(lo + step, n)) for lo in range(0, n, step)])
    print(sum(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
