"""The student's loop, timed: visible tests of each reference, and each mutant against them.

Per exercise: the wall time of its visible tests with the reference in place (target under
3 s each, under 60 s for all), the slowest visible run with a mutant in place (each must end
within 15 s), and the share of hand-written mutants (tests/mutants/) the visible tests reject.

    .venv/bin/python benchmarks/student_loop.py [e03 e07 ...] [--no-mutants]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.course import Course, load_course  # noqa: E402

REFERENCE_TARGET = 3.0
ALL_TARGET = 60.0
MUTANT_BOUND = 15.0
REJECT_TARGET = 0.85
HANDOUT_PLUGINS = ["-p", "grader.student.plugin", "-p", "grader.interleave.pytest_plugin",
                   "-p", "pytest_timeout"]


@dataclass
class VisibleRun:
    seconds: float
    passed: bool


@dataclass
class ExerciseLoop:
    exercise_id: str
    reference: VisibleRun
    mutants: dict[str, VisibleRun]

    @property
    def rejected(self) -> list[str]:
        return [name for name, run in self.mutants.items() if not run.passed]

    @property
    def slowest_mutant(self) -> float:
        return max((run.seconds for run in self.mutants.values()), default=0.0)


def run_visible(course: Course, exercise_id: str, module_file: Path, tmp: Path) -> VisibleRun:
    """The exercise's visible tests with ``module_file`` in place, as a student runs them."""
    ex = course.exercises[exercise_id]
    work = tmp / exercise_id
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(course.exercise_dir(ex), work, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(module_file, work / f"{ex.module}.py")
    # only the plugins a handout installs: other pytest plugins in this venv stay out
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *HANDOUT_PLUGINS,
                               "--rootdir", str(work), "-c", os.devnull, str(work)],
                              capture_output=True, text=True, cwd=work, env=env,
                              timeout=MUTANT_BOUND * 4)
        passed = proc.returncode == 0
    except subprocess.TimeoutExpired:
        passed = False
    return VisibleRun(time.perf_counter() - start, passed)


def measure(course: Course, exercise_id: str, tmp: Path, with_mutants: bool) -> ExerciseLoop:
    ex = course.exercises[exercise_id]
    reference = run_visible(course, exercise_id, course.solution_dir(ex) / f"{ex.module}.py", tmp)
    mutants = {}
    if with_mutants:
        for mutant in sorted(course.mutants_dir(ex).glob("*.py")):
            mutants[mutant.stem] = run_visible(course, exercise_id, mutant, tmp)
    return ExerciseLoop(exercise_id, reference, mutants)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*", help="exercise ids or prefixes (e03); all by default")
    parser.add_argument("--no-mutants", action="store_true", help="time the references only")
    args = parser.parse_args()
    course = load_course(ROOT / "course.yml")
    ids = [e for e in course.exercises
           if not args.exercises or any(e.startswith(p) for p in args.exercises)]
    print(f"{'exercise':<22} {'reference':>10} {'slowest mutant':>15} {'rejected':>12}  passing mutants")
    loops = []
    with tempfile.TemporaryDirectory() as tmp:
        for ex_id in ids:
            loop = measure(course, ex_id, Path(tmp), not args.no_mutants)
            loops.append(loop)
            ref = f"{loop.reference.seconds:.1f}s" + ("" if loop.reference.passed else " FAIL")
            ref += " !" if loop.reference.seconds > REFERENCE_TARGET else ""
            share = (f"{len(loop.rejected)}/{len(loop.mutants)}"
                     f" {len(loop.rejected) / len(loop.mutants):4.0%}") if loop.mutants else "-"
            slow = f"{loop.slowest_mutant:.1f}s" + (" !" if loop.slowest_mutant > MUTANT_BOUND else "")
            survivors = ", ".join(n for n in loop.mutants if n not in loop.rejected)
            print(f"{ex_id:<22} {ref:>10} {slow:>15} {share:>12}  {survivors}", flush=True)
    total = sum(loop.reference.seconds for loop in loops)
    mutants = sum(len(loop.mutants) for loop in loops)
    rejected = sum(len(loop.rejected) for loop in loops)
    print(f"\nreferences: {total:.1f}s in all (target under {ALL_TARGET:g}s; each under "
          f"{REFERENCE_TARGET:g}s, '!' marks a miss)")
    if mutants:
        low = [loop.exercise_id for loop in loops
               if loop.mutants and len(loop.rejected) / len(loop.mutants) < REJECT_TARGET]
        print(f"mutants rejected by the visible tests: {rejected}/{mutants} "
              f"({rejected / mutants:.0%}); under {REJECT_TARGET:.0%}: {', '.join(low) or 'none'}")


if __name__ == "__main__":
    main()
