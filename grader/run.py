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
from grader.lifeline import kill_tree

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
    ini = tmp / "pytest.ini"
    ini.write_text(_EMPTY_INI)
    hidden = course.hidden_dir(ex).resolve()
    timeout = course.test_timeout(ex)
    budget = course.wall_budget(ex)
    log = tmp / "driver.log"
    # Results travel on an unlinked file only the driver inherits: no path the subject could find.
    with open(log, "wb") as out, tempfile.TemporaryFile(dir=tmp) as results:
        cmd = [
            options.python, "-m", "pytest", str(hidden), "-q", "-c", str(ini),
            "--rootdir", str(hidden), "--confcutdir", str(hidden),
            "-p", "pytest_timeout", "-p", "grader.driver.plugin", "-p", "no:cacheprovider",
            "--timeout", f"{timeout:g}", "--timeout-method", "signal",
            "--concurlab-module-dir", str(workspace), "--concurlab-module", ex.module,
            "--concurlab-reference-dir", str(course.solution_dir(ex).resolve()),
            "--concurlab-results-fd", str(results.fileno()), "--concurlab-seed", str(options.seed),
            "--concurlab-call-timeout", f"{timeout:g}",
        ]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                cwd=tmp, start_new_session=True, pass_fds=[results.fileno()],
                                env={**driver_environment(), sandbox.MODE_ENV: options.sandbox,
                                     "TMPDIR": str(tmp), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
                                     sandbox.LIMITS_ENV: json.dumps(course.limits(ex).for_sandbox())})
        try:
            proc.wait(timeout=budget)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            kill_tree(proc.pid)
            proc.wait()
            sandbox.reap(proc.pid)
        results.seek(0)
        text = results.read().decode("utf-8", errors="replace")
    collected, finished = read_results(text)
    if not collected:
        tail = log.read_text(errors="replace")[-2000:]
        return _not_graded(ex, "grader error", f"the hidden tests could not run:\n{tail}")
    result = score(ex, collected, finished, timed_out, budget)
    evidence = read_tampering(text) + duplicate_results(text)
    if evidence:
        return void(result, evidence)
    broken = read_limits(text)
    return over_limits(result, broken) if broken else result


def read_limits(text: str) -> list[str]:
    """Limits of the job the submission broke (message size, callbacks, memory), with figures."""
    broken: list[str] = []
    for record in _records(text):
        with contextlib.suppress(TypeError, KeyError, AttributeError):
            broken += [f"{record['during'].split('::')[-1]}: {what}" for what in record["resource_limit"]]
    return broken


def over_limits(result: dict, broken: list[str]) -> dict:
    """The job ends "resource limit exceeded"; tests that passed before keep their points."""
    message = "resource limit exceeded:\n" + "\n".join(broken[:20])
    return {**result, "status": "resource limit exceeded", "message": message}


#: What the driver inherits from the grader's environment; nothing else (no secrets).
_DRIVER_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "HOME", "VIRTUAL_ENV", "PYTHONPATH",
               "PYTHONHASHSEED", "CONCURLAB_SANDBOX", "CONCURLAB_REPLAY")


def driver_environment() -> dict[str, str]:
    """The driver's environment: an allow-list of the grader's (the subject gets less still)."""
    return {key: os.environ[key] for key in _DRIVER_ENV if key in os.environ}


def duplicate_results(text: str) -> list[str]:
    """A test reported twice means someone else wrote to the results: tampering evidence."""
    seen: set[str] = set()
    evidence = []
    for record in _records(text):
        nodeid = record.get("nodeid")
        if type(nodeid) is str:
            if nodeid in seen:
                evidence.append(f"{nodeid.split('::')[-1]}: a second result for this test was "
                                "written into the driver's results")
            seen.add(nodeid)
    return evidence


def _records(text: str) -> list[dict]:
    records = []
    for line in text.splitlines():
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if type(record) is dict:
                records.append(record)
    return records


def read_tampering(text: str) -> list[str]:
    """Evidence the subjects' policy reported, as "test: what" lines."""
    evidence: list[str] = []
    for record in _records(text):
        with contextlib.suppress(TypeError, KeyError, AttributeError):
            evidence += [f"{record['during'].split('::')[-1]}: {what}" for what in record["tampering"]]
    return evidence


def void(result: dict, evidence: list[str]) -> dict:
    """Tampering voids the exercise: 0 points, kept for the instructor's review."""
    message = "tampering detected, flagged for review:\n" + "\n".join(evidence[:20])
    tests = [{**t, "points": 0.0, "message": (t["message"] + "\n" if t["message"] else "") + message}
             for t in result["tests"]]
    return {**result, "status": "tampering", "message": message, "score": 0.0, "tests": tests}


def read_results(text: str) -> tuple[list[dict], dict[str, dict]]:
    """The tests the driver collected and those it finished (a torn last line is ignored)."""
    collected: list[dict] = []
    finished: dict[str, dict] = {}
    for record in _records(text):
        if "collected" in record and not collected:  # the first word is the driver's
            collected = record["collected"]
        elif "nodeid" in record:
            finished.setdefault(record["nodeid"], record)  # first record per test wins
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
    outcomes = {t["outcome"] for t in tests}
    status = ("timed out" if timed_out else
              "inconclusive" if "inconclusive" in outcomes else "graded")
    return {"exercise": ex.id, "status": status,
            "message": f"timed out after {budget:g} s" if timed_out else "",
            # Round the sum, not each case: 2 points over 6 cases must add up to 2.
            "score": round(sum(t["points"] for t in tests), 6), "max_score": ex.max_score,
            "tests": tests}
