"""Are the verdicts stable, and does grading leave anything behind?

Grades the reference and every mutant of the given exercises ``--times`` times
through the real grading path, holding each grading to the meta-tests' rule
(``grader.selfcheck``: the reference loses no points, each mutant fails exactly
the tests its ``# rejects:`` line names; a regrade is neither).  Then it looks
for leftovers: processes of the grader or of multiprocessing, zombies,
``/dev/shm`` segments and semaphores, and staging directories that were not
there before (so run it on its own: another grading running meanwhile counts
as left behind).  Exit status 1 if any grading was wrong or anything was left::

    .venv/bin/python benchmarks/repeat_grading.py --times 10 \\
        e08_main_guard e09_map_reduce e10_shared_counters e11_fault_isolation
    CONCURLAB_SANDBOX=off .venv/bin/python benchmarks/repeat_grading.py --times 2 e11_fault_isolation
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import environment, selfcheck  # noqa: E402
from grader.batch import Job, run_jobs  # noqa: E402
from grader.course import load_course  # noqa: E402
from grader.results import ExerciseResult, Outcome  # noqa: E402

#: Processes that grading starts, directly or through student code.
OURS = re.compile(r"python|bwrap|spawn_main|resource_tracker|forkserver")


def snapshot() -> dict[str, set]:
    """What is on the machine now that grading could leave behind."""
    procs, zombies = set(), set()
    for proc in psutil.process_iter(["pid", "name", "cmdline", "status"]):
        cmd = " ".join(proc.info["cmdline"] or [])
        if proc.info["status"] == psutil.STATUS_ZOMBIE:
            zombies.add(proc.info["pid"])
        elif OURS.search(f"{proc.info['name']} {cmd}") and proc.info["pid"] != os.getpid():
            procs.add(f"{proc.info['pid']} {cmd[:120]}")
    tmp = Path(tempfile.gettempdir())
    return {"processes": procs, "zombies": zombies,
            "/dev/shm": set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set(),
            "staging dirs": {p.name for p in tmp.glob("concurlab-*")}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exercises", nargs="+")
    parser.add_argument("--times", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=3)
    args = parser.parse_args(argv)
    course = load_course(ROOT / "course.yml")
    exercises = [course.exercises[e] for e in args.exercises]
    keys = [(ex.id, name, expected) for ex in exercises
            for name, expected in selfcheck.subjects(course, ex).items()] * args.times
    print(f"Python {platform.python_version()}, sandbox {os.environ.get(environment.SANDBOX, 'auto')}: "
          f"{len(keys) // args.times} subjects x {args.times} gradings, {args.jobs} jobs")

    before, started = snapshot(), time.monotonic()
    jobs = [selfcheck.job(course, course.exercises[ex_id], name) for ex_id, name, _ in keys]
    expected = {(ex_id, name): want for ex_id, name, want in keys}

    def show(job: Job, result: ExerciseResult) -> None:
        problem = selfcheck.problem(result, expected[(job.exercise.id, job.submission.student_id)])
        print(f"  [{time.monotonic() - started:6.1f} s] {job.exercise.id}/{job.submission.student_id}: "
              f"{'WRONG' if problem else 'right'} in {result.duration:.1f} s"
              + (f"\n    {problem[:2000]}" if problem else ""), flush=True)

    results = run_jobs(course, jobs, jobs=args.jobs, on_done=show)
    minutes = (time.monotonic() - started) / 60
    time.sleep(2)  # let reaped children and resource trackers finish their exit
    after = snapshot()

    tally: dict[tuple[str, str], Counter] = {}
    problems: list[str] = []
    for (ex_id, name, expected), result in zip(keys, results, strict=True):
        problem = selfcheck.problem(result, expected)
        counts = tally.setdefault((ex_id, name), Counter())
        counts["wrong" if problem else "right"] += 1
        counts["inconclusive"] += bool(selfcheck.names(result, Outcome.INCONCLUSIVE))
        counts["seconds"] += result.duration
        if problem:
            problems.append(f"{ex_id}/{name}: {problem}")
    for (ex_id, name), counts in tally.items():
        print(f"  {ex_id:<22} {name:<28} right {counts['right']:>2}/{args.times}"
              f"  wrong {counts['wrong']}  with a regrade {counts['inconclusive']}"
              f"  {counts['seconds'] / args.times:5.1f} s each")
    print(f"{len(results)} gradings in {minutes:.1f} min; wrong verdicts: {len(problems)}")
    for line in problems[:10]:
        print("  " + line.replace("\n", "\n    "))

    left = {kind: after[kind] - before[kind] for kind in after}
    print("left behind: " + (", ".join(f"{k}: {sorted(v)}" for k, v in left.items() if v) or "nothing"))
    return 1 if problems or any(left.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
