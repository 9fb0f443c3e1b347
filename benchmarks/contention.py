"""e10's lost-update evidence by start method: counts lost, seconds side by side, worker CPU.

Drives the subject the way ``test_no_count_lost_under_contention`` does (the trusted
helper builds ``[1] * N`` inside the subject; the driver samples the workers' CPU), for
the reference and the racy mutants, under each start method given.  The numbers behind
the test's FORKED_SHARE / FORKED_MIN / SIDE_BY_SIDE.  Usage::

    .venv/bin/python benchmarks/contention.py [--updates 1500000] [--trials 6] [--workers 2] fork spawn
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from grader.driver.subject import Subject
from grader.instruments import parallel_seconds
from grader.proctree import TreeWatch

ROOT = Path(__file__).resolve().parent.parent
HELPER = ROOT / "tests/hidden/e10_shared_counters/contended.py"
SUBJECTS = {"reference": ROOT / "solutions/e10_shared_counters/histogram.py",
            **{m: ROOT / f"tests/mutants/e10_shared_counters/{m}.py"
               for m in ("raw_array_increment", "unlocked_increment")}}


def trials(module_dir: Path, method: str, updates: int, count: int, workers: int) -> list[str]:
    """One line per trial: counts lost, parallel seconds, each worker's CPU seconds."""
    sub = Subject(module_dir, "histogram")
    try:
        sub.module("multiprocessing").set_start_method(method, force=True)
        ones = sub.load(HELPER).ones
        lines = []
        for _ in range(count):
            with TreeWatch(sub.process, interval=0.005) as watch:
                got = ones(updates, 3, workers)
            used = {pid: cpu for pid, cpu in watch.used().items() if pid in watch.workers()}
            cpu = " ".join(f"{c:.3f}" for c in sorted(used.values()))
            lines.append(f"lost {updates - got[1]:>7}  parallel {parallel_seconds(watch.samples, set(used)):.3f} s"
                         f"  worker CPU {cpu} s")
        return lines
    finally:
        sub.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("methods", nargs="+", choices=["fork", "spawn", "forkserver"])
    parser.add_argument("--updates", type=int, default=1_500_000)
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    for name, source in SUBJECTS.items():
        with tempfile.TemporaryDirectory() as folder:
            shutil.copy(source, Path(folder) / "histogram.py")
            for method in args.methods:
                print(f"{name}, {method}:")
                for line in trials(Path(folder), method, args.updates, args.trials, args.workers):
                    print(f"  {line}")


if __name__ == "__main__":
    main()
