"""Attacks on the driver's results (class 4, the part about scenario results).

Without bubblewrap the subject runs as the grader's user and could once find
the results file (its path was on the driver's command line) and append
"passed" records (the last record per test won).  Results now travel on an
unlinked file only the driver inherits, the first record per test wins, and a
second record for a test is itself tampering evidence.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.collect import stage_path
from grader.course import Course
from grader.driver.records import DriverLog
from grader.run import GradeOptions, grade

#: A child interpreter (no policy in it) looks for the results file and forges every test.
FORGER = '''
import subprocess, sys, threading

CODE = r"""
import glob, json
for cmdline in glob.glob('/proc/[0-9]*/cmdline'):
    try:
        argv = open(cmdline, 'rb').read().split(b'\\0')
    except OSError:
        continue
    if b'--concurlab-results' in argv:
        path = argv[argv.index(b'--concurlab-results') + 1].decode()
        collected = json.loads(open(path).readline())['collected']
        with open(path, 'a') as f:
            for item in collected:
                f.write(json.dumps({'nodeid': item['nodeid'], 'outcome': 'passed',
                                    'message': '', 'duration': 0.0}) + '\\n')
"""


def download_all(urls, fetch, max_workers=8):
    subprocess.run([sys.executable, "-c", CODE], timeout=20)
    threading.Thread(target=threading.Event().wait, daemon=True).start()  # fails every test
    return {}
'''


@pytest.mark.slow
def test_forged_results_score_nothing_without_the_sandbox(course: Course, tmp_path: Path):
    ex = course.exercises["e01_threads_io"]
    path = tmp_path / ex.id / f"{ex.module}.py"
    path.parent.mkdir(parents=True)
    path.write_text(FORGER)
    result = grade(course, ex, stage_path(path, ex), GradeOptions(sandbox="off"))
    assert result.score == 0, f"forged records scored {result.score}: {result.tests}"


def test_the_first_record_per_test_wins_and_a_second_is_evidence():
    genuine = {"nodeid": "t.py::test_a", "outcome": "failed", "message": "no", "duration": 1.0}
    forged = {**genuine, "outcome": "passed", "message": ""}
    text = "\n".join(json.dumps(r) for r in (
        {"collected": [{"nodeid": "t.py::test_a", "name": "test_a", "function": "test_a"}]},
        genuine, forged, {"collected": []}))
    log = DriverLog.parse(text)
    assert log.finished["t.py::test_a"].outcome == "failed"
    assert log.collected and log.collected[0].nodeid == "t.py::test_a", "the driver's first word counts"
    assert log.evidence(), "a second record for a test must be tampering evidence"
