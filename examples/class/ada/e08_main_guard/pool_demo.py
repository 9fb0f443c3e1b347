"""Sum of squares in a spawn process pool, as a script with a main guard (reference solution)."""

from __future__ import annotations

import multiprocessing
import sys

USAGE = "usage: python pool_demo.py N  (N: a whole number >= 0)"


def square_sum(bounds: tuple[int, int]) -> int:
    """The sum of i*i for i in range(*bounds): module level, so spawned workers can import it."""
    return sum(i * i for i in range(*bounds))


def sum_of_squares(n: int, workers: int = 2) -> int:
    step = max(1, -(-n // (4 * workers)))  # a few ranges per worker, not one task per number
    ranges = [(lo, min(lo + step, n)) for lo in range(0, n, step)]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        return sum(pool.map(square_sum, ranges))


def main(argv: list[str] | None = None) -> int:
    """Print the sum of squares of 0..N-1; 0 on success, 2 (and a usage line) for bad arguments."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit():
        print(USAGE, file=sys.stderr)
        return 2
    print(sum_of_squares(int(args[0])))
    return 0


if __name__ == "__main__":  # spawned workers import this file as __mp_main__: no work for them
    sys.exit(main())
