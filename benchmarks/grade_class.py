"""How long does grading take? Seconds per graded submission, and the grader's overhead.

Grades N copies of the reference solutions with ``concurlab grade`` and runs
the same hidden tests directly with pytest once per exercise; prints both and
their ratio.  Usage::

    .venv/bin/python benchmarks/grade_class.py [--students 4] [--jobs 2] [--exercise e01_threads_io ...]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.course import load_course  # noqa: E402
from grader.driver.args import DriverArgs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--exercise", action="append", default=[])
    args = parser.parse_args()
    course = load_course(ROOT / "course.yml")
    ids = args.exercise or list(course.exercises)
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "subs"
        for i in range(args.students):
            for ex_id in ids:
                ex = course.exercises[ex_id]
                dest = subs / f"student{i:03d}" / ex_id
                dest.mkdir(parents=True)
                shutil.copy(course.solution_dir(ex) / f"{ex.module}.py", dest)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(subs), "--out",
                        str(Path(tmp) / "out"), "--jobs", str(args.jobs), "--course",
                        str(ROOT / "course.yml"), *sum((["--exercise", e] for e in ids), [])],
                       check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        graded = time.perf_counter() - start
        start = time.perf_counter()
        for ex_id in ids:
            ex = course.exercises[ex_id]
            driver = DriverArgs(module_dir=course.solution_dir(ex), module=ex.module,
                                reference_dir=course.solution_dir(ex), thresholds=ex.thresholds)
            subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "grader.driver.plugin",
                            "-p", "no:cacheprovider", str(course.hidden_dir(ex)), *driver.to_argv()],
                           stdout=subprocess.DEVNULL, cwd=ROOT)
        direct = time.perf_counter() - start
    per_submission = graded / args.students
    print(f"exercises: {len(ids)}; students: {args.students}; jobs: {args.jobs}")
    print(f"concurlab grade: {graded:.1f} s in all, {per_submission:.1f} s per submission "
          f"(all {len(ids)} exercises)")
    print(f"hidden tests run directly with pytest, one submission, one job: {direct:.1f} s")
    print(f"ratio (grade per submission / direct): {per_submission / direct:.2f}")


if __name__ == "__main__":
    main()
