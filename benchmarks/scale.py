"""Throughput: jobs per second on the local pool and on 1 and 2 Dask workers, and the cost per job.

Grades the same class (N copies of the reference solutions) three ways,
each into a fresh output folder: ``--jobs 2`` (the local pool),
``--cluster local:1`` and ``--cluster local:2`` (a LocalCluster on
loopback, one thread and ``exclusive=1`` per worker).  It prints, for each,
the wall time, jobs per second and the mean job time, then extrapolates to a
course of ``--course-students`` x ``--course-exercises`` jobs on
``--workers`` cluster workers.

The extrapolation assumes what this run measured holds at scale: the mean
job of this class is the mean job of the course (choose ``--exercise`` to
match its mix), the machines are like this one (2 cores), the scheduler is
not the bottleneck, and either each worker has a machine to itself (the
1-worker rate times N) or two workers share one (the 2-worker rate times
N/2).  Exclusive jobs hold a whole worker, so a course heavy in them scales
per worker, not per core.  Usage::

    .venv/bin/python benchmarks/scale.py [--students 3] [--exercise e03_race_counter ...] [--workers 20]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grade_class import ROOT, grade, make_class, stored  # noqa: E402

from grader.course import load_course  # noqa: E402

#: A mix of one exclusive (speed) exercise and ordinary ones, about a minute per way on 2 cores.
DEFAULT_EXERCISES = ["e03_race_counter", "e05_memoize", "e08_main_guard", "e12_scaling",
                     "e02_processes_cpu"]
WAYS = {"local pool, --jobs 2": ("--jobs", "2"),
        "cluster local:1": ("--cluster", "local:1"),
        "cluster local:2": ("--cluster", "local:2")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=3)
    parser.add_argument("--exercise", action="append", default=[])
    parser.add_argument("--course-students", type=int, default=2000)
    parser.add_argument("--course-exercises", type=int, default=19)
    parser.add_argument("--workers", type=int, default=20, help="cluster workers to extrapolate to")
    args = parser.parse_args()
    course = load_course(ROOT / "course.yml")
    ids = args.exercise or DEFAULT_EXERCISES
    rate: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        subs = make_class(course, ids, args.students, Path(tmp) / "subs")
        print(f"{args.students} students x {len(ids)} exercises ({', '.join(ids)})")
        print(f"{'way':22} {'wall':>7} {'jobs/s':>7} {'mean job':>9}")
        for i, (name, options) in enumerate(WAYS.items()):
            out = Path(tmp) / f"out{i}"
            wall = grade(subs, out, ids, *options)
            results = stored(out)
            rate[name] = len(results) / wall
            mean = sum(r.duration for r in results) / len(results)
            print(f"{name:22} {wall:6.1f}s {rate[name]:7.3f} {mean:8.2f}s")
    one, two = rate["cluster local:1"], rate["cluster local:2"]
    jobs = args.course_students * args.course_exercises
    print(f"1 -> 2 workers on this one machine: {two / one:.2f}x")
    print(f"extrapolated, {args.course_students} x {args.course_exercises} = {jobs} jobs on "
          f"{args.workers} workers: {jobs / (one * args.workers) / 3600:.1f} h with a machine "
          f"each, {jobs / (two * args.workers / 2) / 3600:.1f} h two to a machine; this "
          f"machine's local pool alone: {jobs / rate['local pool, --jobs 2'] / 3600:.1f} h")


if __name__ == "__main__":
    main()
