"""Grade one (student, exercise): a driver process with a wall budget, then scoring.

The driver is ``pytest`` on ``tests/hidden/<id>`` with the grader's driver
plugin, started in its own session; when the budget runs out the whole tree
is killed, and every test that did not report fails with "timed out".
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from grader import sandbox
from grader.collect import Staged, write_workspace
from grader.course import Course, Exercise
from grader.gating import withhold_gated_points
from grader.lifeline import kill_tree
from grader.results import TestResult

#: An empty ini so the course's own pytest settings never leak into grading.
_EMPTY_INI = "[pytest]\n"


@dataclass(frozen=True)
class GradeOptions:
    seed: int = 0
    python: str = sys.executable
    #: "auto" (bubblewrap when it runs here), "require" (refuse without it) or "off";
    #: defaults to $CONCURLAB_SANDBOX (e.g. off, to measure what the sandbox costs).
    sandbox: str = field(default_factory=sandbox.mode)


def grade(course: Course, ex: Exercise, staged: Staged, options: GradeOptions = GradeOptions()) -> dict:
    """The result of one exercise as plain data (what store.py writes)."""
    started = time.monotonic()
    if staged.status != "ok":
        result = _not_graded(ex, staged.status, staged.message)
    elif options.sandbox == "require" and not sandbox.available():
        result = _not_graded(ex, "grader error", "the sandbox is required but bubblewrap cannot run")
    else:
        with tempfile.TemporaryDirectory(prefix=f"concurlab-{ex.id}-") as tmp:
            result = _run_driver(course, ex, staged, Path(tmp), options)
    result["duration"] = round(time.monotonic() - started, 3)
    return result


def _not_graded(ex: Exercise, status: str, message: str) -> dict:
    tests = [{"name": name, "outcome": "failed", "points": 0.0, "max_points": pts, "message": message}
             for name, pts in ex.points.items()]
    return {"exercise": ex.id, "status": status, "message": message, "score": 0.0,
            "max_score": ex.max_score, "tests": tests}


def _run_driver(course: Course, ex: Exercise, staged: Staged, tmp: Path, options: GradeOptions) -> dict:
    workspace = write_workspace(staged, ex, tmp / "workspace")
    results_path = tmp / "results.jsonl"
    ini = tmp / "pytest.ini"
    ini.write_text(_EMPTY_INI)
    hidden = course.hidden_dir(ex).resolve()
    timeout = course.test_timeout(ex)
    budget = course.wall_budget(ex)
    cmd = [
        options.python, "-m", "pytest", str(hidden), "-q", "-c", str(ini),
        "--rootdir", str(hidden), "--confcutdir", str(hidden),
        "-p", "grader.driver.plugin", "-p", "no:concurlab", "-p", "no:cacheprovider",
        "--timeout", f"{timeout:g}", "--timeout-method", "signal",
        "--concurlab-module-dir", str(workspace), "--concurlab-module", ex.module,
        "--concurlab-reference-dir", str(course.solution_dir(ex).resolve()),
        "--concurlab-results", str(results_path), "--concurlab-seed", str(options.seed),
        "--concurlab-call-timeout", f"{timeout:g}",
    ]
    log = tmp / "driver.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                cwd=tmp, start_new_session=True,
                                env={**os.environ, sandbox.MODE_ENV: options.sandbox, "TMPDIR": str(tmp)})
        try:
            proc.wait(timeout=budget)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            kill_tree(proc.pid)
            proc.wait()
            sandbox.reap(proc.pid)
    collected, finished = read_results(results_path)
    if not collected:
        tail = log.read_text(errors="replace")[-2000:]
        return _not_graded(ex, "grader error", f"the hidden tests could not run:\n{tail}")
    result = score(ex, collected, finished, timed_out, budget)
    evidence = read_tampering(results_path)
    return void(result, evidence) if evidence else result


def read_tampering(path: Path) -> list[str]:
    """Evidence the subjects' policy reported, as "test: what" lines."""
    evidence: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        with contextlib.suppress(ValueError, TypeError, KeyError):
            record = json.loads(line)
            evidence += [f"{record['during'].split('::')[-1]}: {what}" for what in record["tampering"]]
    return evidence


def void(result: dict, evidence: list[str]) -> dict:
    """Tampering voids the exercise: 0 points, kept for the instructor's review."""
    message = "tampering detected, flagged for review:\n" + "\n".join(evidence[:20])
    tests = [{**t, "points": 0.0, "message": (t["message"] + "\n" if t["message"] else "") + message}
             for t in result["tests"]]
    return {**result, "status": "tampering", "message": message, "score": 0.0, "tests": tests}


def read_results(path: Path) -> tuple[list[dict], dict[str, dict]]:
    """The tests the driver collected and those it finished (a torn last line is ignored)."""
    collected: list[dict] = []
    finished: dict[str, dict] = {}
    if not path.exists():
        return collected, finished
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if "collected" in record:
            collected = record["collected"]
        elif "nodeid" in record:
            finished[record["nodeid"]] = record
    return collected, finished


def score(ex: Exercise, collected: list[dict], finished: dict[str, dict], timed_out: bool,
          budget: float) -> dict:
    """Points per test from course.yml; parametrised cases share their function's points."""
    per_function: dict[str, int] = {}
    for item in collected:
        per_function[item["function"]] = per_function.get(item["function"], 0) + 1
    tests = []
    for item in collected:
        max_points = ex.points.get(item["function"], 0.0) / per_function[item["function"]]
        record = finished.get(item["nodeid"])
        if record is None:
            outcome = "failed"
            message = (f"timed out after {budget:g} s (the exercise's time budget)" if timed_out
                       else "did not run: the grading process ended early")
        else:
            outcome, message = record["outcome"], record["message"]
        tests.append({"name": item["name"], "outcome": outcome,
                      "points": max_points if outcome == "passed" else 0.0,
                      "max_points": max_points, "message": message})
    tests = [t.to_json() for t in withhold_gated_points(ex, tuple(map(TestResult.from_json, tests)))]
    outcomes = {t["outcome"] for t in tests}
    status = ("timed out" if timed_out else
              "inconclusive" if "inconclusive" in outcomes else "graded")
    return {"exercise": ex.id, "status": status,
            "message": f"timed out after {budget:g} s" if timed_out else "",
            # Round the sum, not each case: 2 points over 6 cases must add up to 2.
            "score": round(sum(t["points"] for t in tests), 6), "max_score": ex.max_score,
            "tests": tests}
