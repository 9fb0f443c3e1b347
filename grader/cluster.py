"""Grade (student, exercise) jobs on a Dask distributed cluster.

The client (``concurlab grade --cluster``) submits one task per job; a worker grades it
with the same ``grader.run.grade`` as the local pool and returns the result; the client
stores each result as it arrives, so a lost worker (its tasks are rescheduled) or a
killed client (a rerun skips what is stored) loses nothing finished.

Course files reach workers through a shared filesystem or the same image: every task
carries the fingerprint of the exercise (course.yml entry, hidden tests) and of the
engine as the client computed them, and a worker whose copy differs refuses the task
with a message naming its host and path.

Timing-sensitive (``exclusive``) jobs ask for the worker resource ``exclusive``: start
the workers that may run them with ``--nthreads 1 --resources exclusive=1`` on cores of
their own.  With ``--cluster local:N`` all workers share this machine, so exclusive jobs
run one at a time after the others, as in the local pool.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.collect import Staged
from grader.course import Course, load_course
from grader.run import GradeOptions, grade

EXCLUSIVE = "exclusive"
#: Times a task is retried when its worker is lost.
RETRIES = 3


class ClusterError(Exception):
    """The cluster cannot grade: unreachable, or a worker with another course."""


@functools.cache
def engine_digest() -> str:
    """The grader's own source: workers must grade with the same engine as the client.

    Read once per process: every task's fingerprint needs it, and the source does not change
    while a grader runs.
    """
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode() + path.read_bytes())
    return h.hexdigest()[:16]


def job_fingerprint(course: Course, exercise_id: str) -> str:
    return f"{course.fingerprint(course.exercises[exercise_id])[:16]}-{engine_digest()}"


@dataclass(frozen=True)
class ClusterTask:
    """What crosses to a worker: plain data and the fingerprint to check."""

    course_path: str
    exercise_id: str
    fingerprint: str
    staged: Staged
    options: GradeOptions


def grade_on_worker(task: ClusterTask) -> Any:
    """Runs on a worker: check the course copy, then grade as the local pool does."""
    host = socket.gethostname()
    try:
        course = load_course(task.course_path)
    except Exception as exc:  # noqa: BLE001 - any failure is this worker's copy
        raise ClusterError(f"worker {host}: cannot load {task.course_path} ({exc}). Fix: give workers "
                           "the course at the same path (shared filesystem or image)") from None
    if task.exercise_id not in course.exercises or job_fingerprint(course, task.exercise_id) != task.fingerprint:
        raise ClusterError(f"worker {host}: its copy of {task.course_path} or of the grader differs from "
                           f"the client's for {task.exercise_id}. Fix: sync the course and reinstall "
                           "concurlab on the workers")
    return grade(course, course.exercises[task.exercise_id], task.staged, task.options)


@contextlib.contextmanager
def connect(spec: str) -> Iterator[tuple[Any, bool]]:
    """``tcp://host:port`` (a running scheduler) or ``local:N`` (N workers on this machine).

    Yields the client and whether every worker shares this one machine.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ClusterError("--cluster needs Dask: pip install 'concurlab[cluster]'") from None

    if spec.startswith("local:"):
        try:
            workers = int(spec.removeprefix("local:"))
        except ValueError:
            raise ClusterError(f"--cluster {spec}: use local:N with a number of workers, e.g. local:2") from None
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, resources={EXCLUSIVE: 1}) as cluster, Client(cluster) as client:
            yield client, True
        return
    if not spec.startswith("tcp://"):
        raise ClusterError(f"--cluster {spec}: give tcp://HOST:PORT of a dask scheduler, or local:N")
    try:
        client = Client(spec, timeout=30)
    except OSError as exc:
        raise ClusterError(f"--cluster {spec}: no scheduler answers ({exc}). Fix: start one with "
                           "`dask scheduler` and point workers at it") from None
    with client:
        yield client, False


@dataclass
class ClusterStats:
    per_worker: dict[str, int]     # jobs each worker finished
    rescheduled: int               # tasks that ran again because their worker was lost
    slowest: list[tuple[str, float]]  # the stragglers: (student/exercise, seconds)


def _rescheduled(dask_scheduler, keys: list[str]) -> int:
    """Runs on the scheduler: how often these tasks lost their worker."""
    return sum(getattr(dask_scheduler.tasks.get(k), "suspicious", 0) for k in keys)


def run_on_cluster(client, course: Course, todo: list, *, options: GradeOptions, one_machine: bool,
                   on_done: Callable[[Any, Any], None]) -> ClusterStats:
    """Grade ``todo`` (batch.Job records) on the cluster; ``on_done(job, result)`` as each ends."""
    from distributed import as_completed

    def submit(job) -> Any:
        task = ClusterTask(str(course.path.resolve()), job.exercise.id,
                           job_fingerprint(course, job.exercise.id), job.staged, options)
        return client.submit(grade_on_worker, task, pure=False, retries=RETRIES,
                             key=f"grade-{job.submission.student_id}-{job.exercise.id}-{id(job)}",
                             resources={EXCLUSIVE: 1} if job.exercise.exclusive else None)

    where: dict[str, int] = {}
    rescheduled = 0
    durations: list[tuple[str, float]] = []
    ordinary = [j for j in todo if not j.exercise.exclusive]
    exclusive = [j for j in todo if j.exercise.exclusive]
    # On one machine an exclusive job must not share its cores: run those one at a time, last.
    phases = [ordinary] + ([[j] for j in exclusive] if one_machine else [exclusive])
    for phase in phases:
        futures = {submit(job): job for job in phase}
        for fut in as_completed(futures):
            job, result = futures[fut], fut.result()
            on_done(job, result)
            durations.append((f"{job.submission.student_id}/{job.exercise.id}", result.duration))
        held = client.who_has(list(futures))
        for fut in futures:
            worker = next(iter(held.get(fut.key, ())), "?")
            where[worker] = where.get(worker, 0) + 1
        rescheduled += client.run_on_scheduler(_rescheduled, keys=[f.key for f in futures])
    return ClusterStats(where, rescheduled, sorted(durations, key=lambda d: -d[1])[:3])
