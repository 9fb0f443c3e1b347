"""Does a verdict depend on the seed?  Grade each subject under seeds 1..N and compare.

Subjects are the reference and every mutant of the given exercises (and any
``--extra`` file, e.g. an alternative solution, graded as the exercise it sits
under: ``tests/engine/solutions_alt/<id>/<name>.py``).  Each is graded through
the real grading path once per seed; its verdict under a seed is the set of
test functions that lost points, plus whether it is right by the meta-tests'
rule (``grader.selfcheck``).  Prints one row per subject: the same verdict
under every seed or not, and how many seeds were right.  Exit status 1 when
some subject's verdict changed with the seed or was wrong::

    .venv/bin/python benchmarks/seed_verdicts.py e04_bank_transfer e17_shutdown --seeds 10
    .venv/bin/python benchmarks/seed_verdicts.py e10_shared_counters \\
        --extra tests/engine/solutions_alt/e10_shared_counters/*.py
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import selfcheck  # noqa: E402
from grader.batch import Job, run_jobs  # noqa: E402
from grader.collect import Submission, stage_path  # noqa: E402
from grader.course import Course, load_course  # noqa: E402
from grader.run import GradeOptions  # noqa: E402


def extra_job(course: Course, path: Path) -> tuple[str, str, selfcheck.Rejects | None, Job]:
    """An extra file graded as the exercise named by its folder (a reference unless it has rejects)."""
    ex = course.exercises[path.parent.name]
    expected = selfcheck.Rejects.of(path)
    graded_as = ex if expected is None else ex.model_copy(update={"exclusive": False})
    job = Job(Submission(path.stem, path), graded_as, stage_path(path, ex), "")
    return ex.id, f"{path.stem} (extra)", expected, job


def verdict(result: dict, expected: selfcheck.Rejects | None) -> str:
    """The tests that lost points, then those the machine could not measure (a regrade).

    Tests a mutant's ``# may also fail:`` line names (a deadlock only luck reaches in a
    real run) are left out: they may differ between seeds by design.
    """
    lucky = expected.may if expected else frozenset()
    lost = ", ".join(sorted(selfcheck.names(result, *selfcheck.LOST) - lucky))
    unmeasured = ", ".join(sorted(selfcheck.names(result, "inconclusive")))
    return (lost or "no points lost") + (f" (regrade: {unmeasured})" if unmeasured else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="*")
    parser.add_argument("--seeds", type=int, default=10, help="grade under seeds 1..N")
    parser.add_argument("--jobs", type=int, default=3)
    parser.add_argument("--extra", type=Path, nargs="*", default=[])
    args = parser.parse_args(argv)
    course = load_course(ROOT / "course.yml")
    subjects = [(ex_id, name, expected, selfcheck.job(course, course.exercises[ex_id], name))
                for ex_id in args.exercises
                for name, expected in selfcheck.subjects(course, course.exercises[ex_id]).items()]
    subjects += [extra_job(course, path.resolve()) for path in args.extra]
    started = time.monotonic()
    verdicts: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
    right: dict[tuple[str, str], int] = defaultdict(int)
    for seed in range(1, args.seeds + 1):
        options = GradeOptions(seed=seed)
        results = run_jobs(course, [job for *_, job in subjects], jobs=args.jobs, options=options)
        for (ex_id, name, expected, _), result in zip(subjects, results, strict=True):
            verdicts[ex_id, name][seed] = verdict(result, expected)
            right[ex_id, name] += selfcheck.problem(result, expected) is None
        print(f"  seed {seed} done after {time.monotonic() - started:.0f} s", flush=True)

    unstable = 0
    print(f"\n{'subject':<52} {'same verdict':<13} {'right':<7} verdict")
    for (ex_id, name), by_seed in verdicts.items():
        distinct = set(by_seed.values())
        unstable += len(distinct) > 1 or right[ex_id, name] < args.seeds
        shown = (next(iter(distinct)) if len(distinct) == 1 else
                 "; ".join(f"seed {s}: {v}" for s, v in by_seed.items()))
        print(f"{ex_id + '/' + name:<52} {'yes' if len(distinct) == 1 else 'NO':<13} "
              f"{right[ex_id, name]:>2}/{args.seeds:<4} {shown[:200]}")
    print(f"{len(verdicts)} subjects x {args.seeds} seeds in {(time.monotonic() - started) / 60:.1f} min; "
          f"unstable or wrong: {unstable}")
    return 1 if unstable else 0


if __name__ == "__main__":
    sys.exit(main())
