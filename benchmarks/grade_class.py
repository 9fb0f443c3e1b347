"""How long does grading take? Wall time per submission, the sum of job times, and where it goes.

Grades N copies of the reference solutions with ``concurlab grade`` and prints
the wall time, the sum of job times, and a profile per exercise from the
stored results: the job's time, the time inside its tests, the rest (driver and
subject start-up, sandbox, collection), and its slowest test.  With
``--direct`` it also runs the same hidden tests directly with pytest once per
exercise, for the grader's overhead.  Usage::

    .venv/bin/python benchmarks/grade_class.py [--students 4] [--jobs 2] [--exercise e01_threads_io ...] [--direct]
"""

from __future__ import annotations

import argparse
import json
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
from grader.results import ExerciseResult  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=4)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--exercise", action="append", default=[])
    parser.add_argument("--direct", action="store_true", help="also time the hidden tests without the grader")
    args = parser.parse_args()
    course = load_course(ROOT / "course.yml")
    ids = args.exercise or list(course.exercises)
    with tempfile.TemporaryDirectory() as tmp:
        subs = make_class(course, ids, args.students, Path(tmp) / "subs")
        graded = grade(subs, Path(tmp) / "out", ids, "--jobs", str(args.jobs))
        results = stored(Path(tmp) / "out")
        print_profile(results)
        print(f"exercises: {len(ids)}; students: {args.students}; jobs: {args.jobs}")
        print(f"concurlab grade: {graded:.1f} s of wall time, {graded / args.students:.1f} s per "
              f"submission (all {len(ids)} exercises); sum of job times "
              f"{sum(r.duration for r in results):.1f} s")
        if not args.direct:
            return
        start = time.perf_counter()
        for ex_id in ids:
            ex = course.exercises[ex_id]
            driver = DriverArgs(module_dir=course.solution_dir(ex), module=ex.module,
                                reference_dir=course.solution_dir(ex), thresholds=ex.thresholds)
            subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "grader.driver.plugin",
                            "-p", "no:cacheprovider", str(course.hidden_dir(ex)), *driver.to_argv()],
                           stdout=subprocess.DEVNULL, cwd=ROOT)
        direct = time.perf_counter() - start
    print(f"hidden tests run directly with pytest, one submission, one job: {direct:.1f} s")
    print(f"ratio (grade per submission / direct): {graded / args.students / direct:.2f}")


def make_class(course, ids: list[str], students: int, subs: Path) -> Path:
    """``students`` submissions, each the reference solution of every exercise in ``ids``."""
    for i in range(students):
        for ex_id in ids:
            ex = course.exercises[ex_id]
            dest = subs / f"student{i:03d}" / ex_id
            dest.mkdir(parents=True)
            shutil.copy(course.solution_dir(ex) / f"{ex.module}.py", dest)
    return subs


def grade(subs: Path, out: Path, ids: list[str], *options: str) -> float:
    """Wall seconds of one ``concurlab grade`` of ``subs`` (``options``: --jobs, --cluster...)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(out),
                    "--course", str(ROOT / "course.yml"), *options,
                    *sum((["--exercise", e] for e in ids), [])],
                   check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def stored(out: Path) -> list[ExerciseResult]:
    """Every result the grading stored under ``out``."""
    return [ExerciseResult.from_json(json.loads(p.read_text())["result"], p.stem)
            for p in sorted((out / ".results").glob("*/*.json"))]


def print_profile(results: list[ExerciseResult]) -> None:
    """Per exercise: mean job time, time in tests, the rest, and the slowest test."""
    by_exercise: dict[str, list[ExerciseResult]] = {}
    for r in results:
        by_exercise.setdefault(r.exercise, []).append(r)
    print(f"{'exercise':22} {'job':>6} {'tests':>6} {'rest':>6}  slowest test")
    for ex_id, rs in sorted(by_exercise.items()):
        job = sum(r.duration for r in rs) / len(rs)
        tests = sum(t.duration for r in rs for t in r.tests) / len(rs)
        slowest = max((t for r in rs for t in r.tests), key=lambda t: t.duration, default=None)
        worst = f"{slowest.name} {slowest.duration:.1f}s" if slowest else "-"
        print(f"{ex_id:22} {job:5.1f}s {tests:5.1f}s {job - tests:5.1f}s  {worst}")


if __name__ == "__main__":
    main()
