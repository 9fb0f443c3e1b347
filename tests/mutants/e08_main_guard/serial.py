# rejects: test_script_uses_spawn_pool
"""Right sum, no pool: everything in one process."""

import sys


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit():
        print("usage: python pool_demo.py N", file=sys.stderr)
        return 2
    print(sum(i * i for i in range(int(args[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
