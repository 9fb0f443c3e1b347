# rejects: test_script_prints_sum_of_squares, test_script_uses_spawn_pool, test_import_starts_nothing, test_main_returns_0_and_prints
"""A guard for main(), but the pool is made at module level: importing starts processes."""

import multiprocessing
import sys

POOL = multiprocessing.get_context("spawn").Pool(2)


def square_sum(bounds):
    return sum(i * i for i in range(*bounds))


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit():
        print("usage: python pool_demo.py N", file=sys.stderr)
        return 2
    n = int(args[0])
    step = max(1, n // 8)
    print(sum(POOL.map(square_sum, [(lo, min(lo + step, n)) for lo in range(0, n, step)])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
