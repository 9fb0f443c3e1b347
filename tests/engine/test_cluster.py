"""Grading on a Dask cluster: a scheduler and two workers as processes on 127.0.0.1.

A worker killed mid-run loses no result (its tasks run again elsewhere), every result is
the one the local pool gives, and a worker whose course differs refuses the job.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.batch import grade_class
from grader.cluster import ClusterError, ClusterTask, grade_on_worker, job_fingerprint
from grader.collect import stage_path
from grader.course import load_course
from grader.run import GradeOptions
from tests.conftest import ROOT

EXERCISES = ["e03_race_counter", "e12_scaling"]
DASK = str(Path(sys.executable).with_name("dask"))


def _class(root: Path) -> Path:
    """Two students: the references, and one mutant per exercise."""
    subs = root / "subs"
    for sid, pick in (("ref", None), ("mut", {"e03_race_counter": "no_lock", "e12_scaling": "rounds_down"})):
        for ex_id in EXERCISES:
            course = load_course(ROOT / "course.yml")
            ex = course.exercises[ex_id]
            src = (course.solution_dir(ex) / f"{ex.module}.py" if pick is None
                   else course.mutants_dir(ex) / f"{pick[ex_id]}.py")
            (subs / sid / ex_id).mkdir(parents=True)
            (subs / sid / ex_id / f"{ex.module}.py").write_bytes(src.read_bytes())
    return subs


@pytest.fixture
def scheduler(tmp_path):
    """``dask scheduler`` and two ``dask worker --nthreads 1 --resources exclusive=1`` processes."""
    info = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(info)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)]
    try:  # whatever fails while starting, no process is left behind
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert info.exists(), "the scheduler did not start"
        address = json.loads(info.read_text())["address"]
        for _ in range(2):
            procs.append(subprocess.Popen([DASK, "worker", address, "--nthreads", "1", "--no-nanny",
                                           "--no-dashboard", "--host", "127.0.0.1", "--resources",
                                           "exclusive=1"], stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, start_new_session=True, cwd=ROOT))
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, [p.pid for p in procs[1:]]
    finally:
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(10)


def _scores(result) -> dict[tuple[str, str], tuple[float, tuple[str, ...]]]:
    return {(rep.student_id, ex_id): (r.score, tuple(t.outcome.value for t in r.tests))
            for rep in result.reports for ex_id, r in rep.exercises.items()}


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_killed_worker_loses_no_result_and_grades_match_the_local_pool(scheduler, tmp_path):
    address, pids = scheduler
    course = load_course(ROOT / "course.yml")
    subs = _class(tmp_path)
    killed: list[int] = []

    def kill_one_worker(job, result, reused) -> None:
        if not killed:  # after the first result, take a worker away mid-run
            killed.append(pids[0])
            os.kill(pids[0], signal.SIGKILL)

    on_cluster = grade_class(course, subs, tmp_path / "cluster-out", exercise_ids=EXERCISES,
                             cluster=address, progress=kill_one_worker)
    local = grade_class(course, subs, tmp_path / "local-out", exercise_ids=EXERCISES, jobs=2)
    assert killed and on_cluster.graded == 4
    assert _scores(on_cluster) == _scores(local)
    ref = next(r for r in on_cluster.reports if r.student_id == "ref")
    assert {ex: r.score for ex, r in ref.exercises.items()} == {e: course.exercises[e].max_score for e in EXERCISES}
    grades = [(tmp_path / d / "grades.csv").read_text() for d in ("cluster-out", "local-out")]
    assert grades[0] == grades[1]
    # A rerun on the cluster reuses every stored result.
    again = grade_class(course, subs, tmp_path / "cluster-out", exercise_ids=EXERCISES, cluster=address)
    assert (again.graded, again.reused) == (0, 4)


def test_a_worker_with_another_course_refuses_the_job(tmp_path):
    course = load_course(ROOT / "course.yml")
    ex = course.exercises["e03_race_counter"]
    staged = stage_path(course.solution_dir(ex) / "counter.py", ex)
    task = ClusterTask(str(course.path.resolve()), ex.id, "0" * 16 + "-other", staged, GradeOptions())
    with pytest.raises(ClusterError, match="differs from the client's for e03_race_counter"):
        grade_on_worker(task)
    assert job_fingerprint(course, ex.id) != task.fingerprint
