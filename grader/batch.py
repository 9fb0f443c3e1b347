"""Grade a class: every (student, exercise) as an independent job, in parallel.

Jobs whose exercise is marked ``exclusive`` (they measure speed) run alone so
that other jobs do not steal their cores.  Each finished job is stored at
once; a failing job never stops the batch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from grader.cluster import ClusterStats, connect, run_on_cluster
from grader.collect import Staged, Submission, discover, stage
from grader.course import Course, Exercise
from grader.pages.render import write_pages
from grader.policy import late_penalty
from grader.report import write_reports
from grader.results import ClassResult, ExerciseResult, StudentReport
from grader.run import GradeOptions, grade
from grader.store import Store


@dataclass
class BatchResult:
    reports: list[StudentReport]
    graded: int = 0
    reused: int = 0
    warnings: list[str] = field(default_factory=list)
    #: jobs per worker, reschedules and stragglers when graded on a cluster
    cluster: ClusterStats | None = None


@dataclass(frozen=True)
class Job:
    submission: Submission
    exercise: Exercise
    staged: Staged
    fingerprint: str


T = TypeVar("T")
Progress = Callable[[Job, ExerciseResult, bool], None]


class _ExclusiveGate:
    """A readers-writer gate: ordinary jobs share it, exclusive jobs hold it alone.

    Exclusive jobs go first: while one waits, no ordinary job starts.  Otherwise
    the pool threads parked on a waiting exclusive job leave one thread to run
    ordinary jobs one after another, and the exclusive job waits for a gap that
    never comes.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._shared = 0
        self._exclusive = False
        self._waiting = 0  # exclusive jobs waiting for their turn

    def run(self, exclusive: bool, fn: Callable[[], T]) -> T:
        with self._cond:
            if exclusive:
                self._waiting += 1
                self._cond.wait_for(lambda: not self._exclusive and self._shared == 0)
                self._waiting -= 1
                self._exclusive = True
            else:
                self._cond.wait_for(lambda: not self._exclusive and not self._waiting)
                self._shared += 1
        try:
            return fn()
        finally:
            with self._cond:
                if exclusive:
                    self._exclusive = False
                else:
                    self._shared -= 1
                self._cond.notify_all()


def run_jobs(course: Course, todo: list[Job], *, jobs: int, options: GradeOptions | None = None,
             on_done: Callable[[Job, ExerciseResult], None] | None = None) -> list[ExerciseResult]:
    """Grade ``todo`` on ``jobs`` threads (each job is its own process tree); results in order."""
    gate = _ExclusiveGate()
    options = options or GradeOptions()

    def run(job: Job) -> ExerciseResult:
        return gate.run(job.exercise.exclusive, lambda: grade(course, job.exercise, job.staged, options))

    # Exclusive jobs first, so they are not left waiting behind a full queue of others.
    order = sorted(range(len(todo)), key=lambda i: not todo[i].exercise.exclusive)
    results: list[ExerciseResult | None] = [None] * len(todo)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(run, todo[i]): i for i in order}
        for fut in as_completed(futures):
            i = futures[fut]
            result = results[i] = fut.result()
            if on_done:
                on_done(todo[i], result)
    return [r for r in results if r is not None]


def plan(course: Course, submissions_root: Path, exercise_ids: list[str]) -> tuple[list[Job], list[str]]:
    subs, warnings = discover(submissions_root)
    jobs = []
    for sub in subs:
        for ex_id in exercise_ids:
            ex = course.exercises[ex_id]
            staged = stage(sub, ex)
            jobs.append(Job(sub, ex, staged, staged.digest + course.fingerprint(ex)))
    return jobs, warnings


def grade_class(course: Course, submissions_root: Path, out: Path, *, exercise_ids: list[str],
                jobs: int = 1, force: bool = False, regrade_inconclusive: bool = False,
                options: GradeOptions | None = None, progress: Progress | None = None,
                on_planned: Callable[[int], None] | None = None,
                submitted_at: dict[str, datetime] | None = None,
                cluster: str | None = None) -> BatchResult:
    """Grade what changed, store each result as it ends, then write the reports.

    ``on_planned`` hears the number of jobs first (reused ones included), then
    ``progress`` hears of each job as it ends.  With ``cluster`` (``tcp://HOST:PORT`` or
    ``local:N``) the jobs run on Dask workers; results are stored here all the same.
    """
    store = Store(out)
    planned, warnings = plan(course, submissions_root, exercise_ids)
    if on_planned:
        on_planned(len(planned))
    result = BatchResult(reports=[], warnings=warnings)
    sandboxed = (options or GradeOptions()).sandbox != "off"
    todo: list[Job] = []
    for job in planned:
        stored = None if force else store.get(job.submission.student_id, job.exercise.id, job.fingerprint)
        if stored is not None and regrade_inconclusive and stored.regrade_needed:
            stored = None
        if stored is not None and stored.sandbox == "off" and sandboxed:
            stored = None  # graded with --no-sandbox: this run requires the sandbox, so regrade
        if stored is None:
            todo.append(job)
        else:
            result.reused += 1
            if progress:
                progress(job, stored, True)

    def done(job: Job, res: ExerciseResult) -> None:
        store.put(job.submission.student_id, job.exercise.id, job.fingerprint, res)
        result.graded += 1
        if progress:
            progress(job, res, False)

    if cluster is None:
        run_jobs(course, todo, jobs=jobs, options=options, on_done=done)
    else:
        with connect(cluster) as (client, one_machine):
            result.cluster = run_on_cluster(client, course, todo, options=options or GradeOptions(),
                                            one_machine=one_machine, on_done=done)
    by_student: dict[str, dict[str, ExerciseResult]] = {}
    for job in planned:
        stored = store.get(job.submission.student_id, job.exercise.id)
        if stored is not None:
            by_student.setdefault(job.submission.student_id, {})[job.exercise.id] = stored
    times = submitted_at or {}
    result.reports = [StudentReport.build(sid, {e: res[e] for e in exercise_ids if e in res},
                                          *late_penalty(course.policies, times.get(sid)))
                      for sid, res in by_student.items()]
    result.warnings += write_reports(course, out, result.reports, exercise_ids)
    if result.reports:
        regrade = f"concurlab grade {submissions_root} --out {out} --regrade-inconclusive"
        result.warnings += write_pages(course, out, ClassResult.of(result.reports), regrade)
    return result
