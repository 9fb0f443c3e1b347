# rejects: test_bad_arguments
"""Bad arguments end in a traceback (exit code 1) instead of a usage message and exit code 2."""

import multiprocessing
import sys


def square_sum(bounds):
    return sum(i * i for i in range(*bounds))


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 0
    if not args:
        return 1
    step = max(1, n // 8)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        print(sum(pool.map(square_sum, [(lo, min(lo + step, n)) for lo in range(0, n, step)])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
