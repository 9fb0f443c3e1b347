# rejects: test_script_uses_spawn_pool
"""The default start method: fork on Linux up to Python 3.13, so the guard's absence would hide."""

import multiprocessing
import sys


def square_sum(bounds):
    return sum(i * i for i in range(*bounds))


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit():
        print("usage: python pool_demo.py N", file=sys.stderr)
        return 2
    n = int(args[0])
    step = max(1, n // 8)
    with multiprocessing.get_context("fork").Pool(2) as pool:
        print(sum(pool.map(square_sum, [(lo, min(lo + step, n)) for lo in range(0, n, step)])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
