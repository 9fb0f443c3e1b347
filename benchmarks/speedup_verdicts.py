"""How trustworthy are the speedup judge's verdicts?  Grade a right and a wrong answer many times.

Grades the reference of an exercise and one of its mutants (default: e02's
thread pool) ``--runs`` times each, alternating, under each condition:

- ``idle``: the machine as it is (other people's work included);
- ``burn``: plus one extra process burning a core, for the length of the condition only.

By default only the hidden tests the mutant's ``# rejects:`` line names are
run (the judge's tests; ``--all-tests`` runs the whole suite), through the
real grading path (``grader.run.grade``; the selection reaches the driver as
``PYTEST_ADDOPTS=-k ...``).  It prints, per condition, the false fails (the reference lost points on a
test that was not inconclusive), false passes (the mutant passed a test its
``# rejects:`` line names) and inconclusive counts.  Run it under
``taskset -c 0`` to see what one usable core does::

    .venv/bin/python benchmarks/speedup_verdicts.py --runs 20
    taskset -c 0 .venv/bin/python benchmarks/speedup_verdicts.py --runs 5 --conditions idle
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.collect import stage_path  # noqa: E402
from grader.course import load_course, mutant_rejects  # noqa: E402
from grader.results import ExerciseResult, Outcome  # noqa: E402
from grader.run import grade  # noqa: E402
from grader.speedup import usable_cpus  # noqa: E402

#: Burns one core until killed, or until its own deadline (a bound if this script dies).
BURNER = "import sys, time\nend = time.monotonic() + float(sys.argv[1])\nwhile time.monotonic() < end: pass\n"


@contextmanager
def condition(name: str, limit: float):
    """Nothing for ``idle``; one process burning a core (for at most ``limit`` s) for ``burn``."""
    burner = None
    if name == "burn":
        burner = subprocess.Popen([sys.executable, "-c", BURNER, str(limit)])
    try:
        yield
    finally:
        if burner is not None:
            burner.kill()
            burner.wait()


def classify(result: ExerciseResult, must_fail: set[str] | None) -> tuple[str, str]:
    """(verdict, note) for one graded run; ``must_fail`` is None for the reference."""
    inconclusive = [t for t in result.tests if t.outcome is Outcome.INCONCLUSIVE]
    if must_fail is None:
        failed = [t for t in result.tests if t.outcome.loses_points]
        if failed:
            return "false fail", f"{failed[0].name}: {failed[0].message[:160]}"
    else:
        passed = [t for t in result.tests if t.function in must_fail and t.outcome is Outcome.PASSED]
        if passed:
            return "false pass", passed[0].name
    if inconclusive:
        return "inconclusive", f"{inconclusive[0].name}: {inconclusive[0].message[:160]}"
    return "right", ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", default="e02_processes_cpu")
    parser.add_argument("--mutant", default="thread_pool")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--conditions", default="idle,burn")
    parser.add_argument("--all-tests", action="store_true",
                        help="grade the whole hidden suite, not only the mutant's tests")
    args = parser.parse_args(argv)

    course = load_course(ROOT / "course.yml")
    ex = course.exercises[args.exercise]
    reference = course.solution_dir(ex) / f"{ex.module}.py"
    mutant = course.mutants_dir(ex) / f"{args.mutant}.py"
    rejects = mutant_rejects(mutant) or set()
    subjects = {"reference": (reference, None), args.mutant: (mutant, rejects)}
    if not args.all_tests:
        os.environ["PYTEST_ADDOPTS"] = "-k '" + " or ".join(sorted(rejects)) + "'"
        print(f"tests: {', '.join(sorted(rejects))}")
    print(f"{args.exercise}: {args.runs} runs each of reference and {args.mutant}; "
          f"usable CPUs {usable_cpus():g}")
    for cond in args.conditions.split(","):
        counts: dict[str, Counter] = {name: Counter() for name in subjects}
        notes: list[str] = []
        started = time.monotonic()
        with condition(cond, limit=args.runs * 2 * course.wall_budget(ex)):
            for run in range(args.runs):
                for name, (path, must_fail) in subjects.items():
                    staged = stage_path(path, ex)
                    result = grade(course, ex, staged)
                    verdict, note = classify(result, must_fail)
                    counts[name][verdict] += 1
                    if note:
                        notes.append(f"  run {run + 1} {name}: {verdict}: {note}")
                    print(f"  [{cond}] run {run + 1:2d} {name:>12}: {verdict:<12} "
                          f"{result.score:g}/{result.max_score:g} in {result.duration:.1f} s",
                          flush=True)
        minutes = (time.monotonic() - started) / 60
        print(f"== {cond} ({minutes:.1f} min)")
        for name, c in counts.items():
            print(f"  {name:>12}: false fails {c['false fail']}, false passes {c['false pass']}, "
                  f"inconclusive {c['inconclusive']}, right {c['right']} (of {args.runs})")
        print("\n".join(notes[:20]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
