"""Attacks on evidence the submission can write or shape (class 2).

Probe files live in a folder the submission can write, results are values it
returns, and command lines are strings it chooses.  None of it may decide a
verdict alone: the driver's own view of the process tree (exact parentage,
argv as a list, CPU time, the pid each process sees for itself) must back it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from grader.collect import stage_path
from grader.course import Course
from grader.driver.subject import Subject
from grader.proctree import TreeWatch, workers
from grader.run import grade
from grader.speedup import read_records, structure

#: e12: computes in the calling process, returns made-up pids and writes made-up probe logs.
FORGED_SCALING = '''
import os

def amdahl_speedup(p, n):
    return 1.0

def max_speedup(p):
    return 1.0

def workers_needed(p, target):
    return 1

def parallel_map(fn, items, workers=None, chunksize=None):
    if workers is not None and workers < 1:
        raise ValueError("workers")
    folder = os.environ["CONCURLAB_PROBE_DIR"]
    fake = [os.getpid() + 100, os.getpid() + 101]
    items = list(items)
    if items and type(items[0]) is tuple and len(items[0]) == 2:  # meet: fake the other worker
        open(f"{folder}/{items[0][0]}-seen-{fake[1]}", "w").close()
    out = []
    for k, x in enumerate(items):
        r = fn(x)
        out.append((r[0], fake[k % 2], True) if type(r) is tuple and len(r) == 3 else r)
    own = f"{folder}/reads-{os.getpid()}.log"
    if os.path.exists(own):  # count_reads: hide the real log, forge two big batches
        os.remove(own)
        for pid in fake:
            with open(f"{folder}/reads-{pid}.log", "w") as f:
                f.writelines(f"{10 + i} {11 + i} {i}\\n" for i in range(len(items) // 2))
    return out
'''

#: e18-style: the work runs in the calling process; the records claim two parallel workers.
FORGED_RECORDS = '''
import json, os, time

def run(fn, n):
    folder = os.environ["CONCURLAB_PROBE_DIR"]
    start = time.monotonic()
    for _ in range(n):
        fn(40)
    end = time.monotonic()
    with open(f"{folder}/tasks-99999.jsonl", "w") as f:
        for pid in (4242, 4343):
            f.write(json.dumps({"pid": pid, "tid": pid, "start": start, "end": end,
                                "cpu": end - start, "label": "x"}) + "\\n")
    for name in os.listdir(folder):
        if name.startswith("tasks-") and name != "tasks-99999.jsonl":
            os.remove(f"{folder}/{name}")
'''

#: e09: a pool found by a name built at run time (the source never says Pool).
COMPUTED_POOL = '''
import multiprocessing as mp

def count(chunks):
    make = getattr(mp.get_context("spawn"), "Po" + "ol")
    with make(2) as workers:
        return workers.map(len, chunks)
'''


def _subject(tmp_path: Path, source: str) -> Subject:
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "victim.py").write_text(source)
    return Subject(folder, "victim", call_timeout=30)


@pytest.mark.slow
def test_forged_pids_and_probe_logs_do_not_pass_e12(course: Course, tmp_path: Path):
    ex = course.exercises["e12_scaling"]
    path = tmp_path / "forger" / ex.id / f"{ex.module}.py"
    path.parent.mkdir(parents=True)
    path.write_text(FORGED_SCALING)
    result = grade(course, ex, stage_path(path, ex))
    passed = {t.name for t in result.tests if t.outcome == "passed"}
    for name in ("test_parallel_map_runs_in_worker_processes",
                 "test_default_chunksize_batches_tiny_items"):
        assert name not in passed, f"forged evidence passed {name}: {result.tests}"


def test_forged_task_records_are_not_taken_for_workers(tmp_path: Path):
    sub = _subject(tmp_path, FORGED_RECORDS)
    try:
        with TreeWatch(sub.start().process) as seen:
            sub.module().run(sub.probe("grader.probes.speedup:burn"), 6)
        records = read_records(sub.probe_dir)
        assert {r.pid for r in records} == {4242, 4343}, "the forgery should be in place"
        found = structure(seen, records)
    finally:
        sub.close()
    assert not {4242, 4343} & set(found.worker_cpu), (
        f"records naming processes nobody saw were taken as workers: {found}")
    assert found.problems(min_workers=2), "work done in one process must not look parallel"


def test_a_pool_found_by_a_computed_name_is_seen(tmp_path: Path):
    sub = _subject(tmp_path, COMPUTED_POOL)
    try:
        assert sub.module().count(["ab", "c"]) == [2, 1]
        loaded = sub.module("grader.probes.pools").pools_loaded()
    finally:
        sub.close()
    assert "multiprocessing.pool" in loaded, loaded


def test_a_command_line_that_mentions_the_tracker_is_still_a_worker():
    """e11: ``-W ...multiprocessing.resource_tracker`` used to hide a worker from judgement."""
    code = ("import subprocess, sys, time\n"
            "p = subprocess.Popen([sys.executable, '-W', 'ignore:::multiprocessing.resource_tracker',"
            " '-c', 'import time; time.sleep(5)'])\n"
            "time.sleep(5); p.kill()\n")
    parent = subprocess.Popen([sys.executable, "-c", code])
    try:
        root = psutil.Process(parent.pid)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not root.children():
            time.sleep(0.02)
        time.sleep(0.3)  # past fork and exec
        seen = [" ".join(p.cmdline()) for p in workers(root)]
    finally:
        parent.kill()
        parent.wait()
    assert any("resource_tracker" in cmd for cmd in seen), f"the decoy was taken for a helper: {seen}"


def test_records_of_real_workers_are_kept(tmp_path: Path):
    """The honest side: a spawn pool's own records survive the cross-check."""
    honest = ("import multiprocessing as mp\n"
              "def run(fn, n):\n"
              "    with mp.get_context('spawn').Pool(2) as pool:\n"
              "        return pool.map(fn, [40] * n)\n")
    sub = _subject(tmp_path, honest)
    try:
        with TreeWatch(sub.start().process) as seen:
            sub.module().run(sub.probe("grader.probes.speedup:burn"), 6)
        records = read_records(sub.probe_dir)
        found = structure(seen, records)
    finally:
        sub.close()
    assert len(records) == 6 and found.tasks == 6, (records, found)
    assert json.dumps(sorted(found.worker_cpu)) != "[]", found
