"""Grade one (student, exercise): a driver process with a wall budget, then scoring.

The driver is ``pytest`` on ``tests/hidden/<id>`` with the grader's driver
plugin, started in its own session; when the budget runs out the whole tree
is killed, and every test that did not report fails with "timed out".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from grader import environment, sandbox
from grader.collect import Staged, write_workspace
from grader.course import Course, Exercise
from grader.driver.args import DriverArgs
from grader.driver.records import DriverLog
from grader.gating import withhold_gated_points
from grader.lifeline import kill_tree
from grader.results import ExerciseResult, Outcome, Status, TestResult

#: An empty ini so the course's own pytest settings never leak into grading.
_EMPTY_INI = "[pytest]\n"


@dataclass(frozen=True)
class GradeOptions:
    seed: int = 0
    python: str = sys.executable
    #: "require" (refuse to run without bubblewrap) or "off" (--no-sandbox);
    #: defaults to $CONCURLAB_SANDBOX (e.g. off, to measure what the sandbox costs).
    sandbox: str = field(default_factory=sandbox.mode)


def grade(course: Course, ex: Exercise, staged: Staged,
          options: GradeOptions = GradeOptions()) -> ExerciseResult:
    """The result of one exercise (what store.py keeps)."""
    started = time.monotonic()
    if not staged.ready:
        result = _not_graded(ex, Status(staged.status), staged.message)
    elif options.sandbox != "off" and not sandbox.available():
        result = _not_graded(ex, Status.GRADER_ERROR, "the sandbox is required but bubblewrap cannot run")
    else:
        with tempfile.TemporaryDirectory(prefix=f"concurlab-{ex.id}-") as tmp:
            result = _run_driver(course, ex, staged, Path(tmp), options)
    # Nothing of a submission that never ran (not submitted, invalid...) ran outside a sandbox.
    return replace(result, duration=round(time.monotonic() - started, 3),
                   sandbox=_isolation(options) if result.status.ran else "", seed=options.seed)


def _isolation(options: GradeOptions) -> str:
    """How the subjects of this grading were isolated, as reports name it."""
    return "bubblewrap" if options.sandbox != "off" and sandbox.available() else "off"


def _not_graded(ex: Exercise, status: Status, message: str) -> ExerciseResult:
    tests = tuple(TestResult(name, Outcome.FAILED, 0.0, pts, message) for name, pts in ex.points.items())
    return ExerciseResult(ex.id, status, 0.0, ex.max_score, tests, message)


def _run_driver(course: Course, ex: Exercise, staged: Staged, tmp: Path,
                options: GradeOptions) -> ExerciseResult:
    workspace = write_workspace(staged, ex, tmp / "workspace")
    ini = tmp / "pytest.ini"
    ini.write_text(_EMPTY_INI)
    hidden = course.hidden_dir(ex).resolve()
    timeout = course.test_timeout(ex)
    budget = course.wall_budget(ex)
    log_path = tmp / "driver.log"
    # Results travel on an unlinked file only the driver inherits: no path the subject could find.
    with open(log_path, "wb") as out, tempfile.TemporaryFile(dir=tmp) as results:
        args = driver_args(course, ex, workspace, results.fileno(), options)
        cmd = [
            options.python, "-m", "pytest", str(hidden), "-q", "-c", str(ini),
            "--rootdir", str(hidden), "--confcutdir", str(hidden),
            "-p", "pytest_timeout", "-p", "grader.driver.plugin", "-p", "no:cacheprovider",
            "--timeout", f"{timeout:g}", "--timeout-method", "signal", *args.to_argv(),
        ]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                cwd=tmp, start_new_session=True, pass_fds=[results.fileno()],
                                env={**driver_environment(), environment.SANDBOX: options.sandbox,
                                     "TMPDIR": str(tmp), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
                                     environment.LIMITS: json.dumps(course.limits(ex).for_sandbox())})
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
        log = DriverLog.parse(results.read().decode("utf-8", errors="replace"))
    if not log.collected:
        tail = log_path.read_text(errors="replace")[-2000:]
        return _not_graded(ex, Status.GRADER_ERROR, f"the hidden tests could not run:\n{tail}")
    result = score(ex, log, timed_out, budget)
    evidence = log.evidence()
    if evidence:
        return void(result, evidence)
    broken = log.broken_limits()
    return over_limits(result, broken) if broken else result


def driver_args(course: Course, ex: Exercise, workspace: Path, results_fd: int,
                options: GradeOptions) -> DriverArgs:
    """What the driver of one exercise is told: the course model's settings, never found by itself."""
    return DriverArgs(module_dir=workspace, module=ex.module,
                      reference_dir=course.solution_dir(ex).resolve(), results_fd=results_fd,
                      seed=options.seed, call_timeout=course.test_timeout(ex),
                      thresholds=ex.thresholds)


#: What the driver inherits from the grader's environment; nothing else (no secrets).
_DRIVER_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "HOME", "VIRTUAL_ENV", "PYTHONPATH",
               "PYTHONHASHSEED", environment.SANDBOX, environment.REPLAY)


def driver_environment() -> dict[str, str]:
    """The driver's environment: an allow-list of the grader's (the subject gets less still)."""
    return {key: os.environ[key] for key in _DRIVER_ENV if key in os.environ}


def over_limits(result: ExerciseResult, broken: list[str]) -> ExerciseResult:
    """The job ends "resource limit exceeded"; tests that passed before keep their points."""
    return replace(result, status=Status.RESOURCE_LIMIT,
                   message="resource limit exceeded:\n" + "\n".join(broken[:20]))


def void(result: ExerciseResult, evidence: list[str]) -> ExerciseResult:
    """Tampering voids the exercise: 0 points, kept for the instructor's review."""
    message = "tampering detected, flagged for review:\n" + "\n".join(evidence[:20])
    tests = tuple(replace(t, points=0.0, message=(t.message + "\n" if t.message else "") + message)
                  for t in result.tests)
    return replace(result, status=Status.TAMPERING, message=message, score=0.0, tests=tests)


def score(ex: Exercise, log: DriverLog, timed_out: bool, budget: float) -> ExerciseResult:
    """Points per test from course.yml; parametrised cases share their function's points."""
    per_function = Counter(item.function for item in log.collected)
    tests = []
    for item in log.collected:
        max_points = ex.points.get(item.function, 0.0) / per_function[item.function]
        finished = log.finished.get(item.nodeid)
        if finished is None:
            outcome = Outcome.FAILED
            message = (f"timed out after {budget:g} s (the exercise's time budget)" if timed_out
                       else "did not run: the grading process ended early")
            duration = 0.0
        else:
            outcome, message, duration = finished.outcome, finished.message, finished.duration
        tests.append(TestResult(item.name, outcome, max_points if outcome is Outcome.PASSED else 0.0,
                                max_points, message, round(duration, 3),
                                trace=finished.trace if finished else None,
                                speed=finished.speed if finished else None))
    tests = list(withhold_gated_points(ex, tuple(tests)))
    outcomes = {t.outcome for t in tests}
    status = (Status.TIMED_OUT if timed_out else
              Status.INCONCLUSIVE if Outcome.INCONCLUSIVE in outcomes else Status.GRADED)
    # Round the sum, not each case: 2 points over 6 cases must add up to 2.
    return ExerciseResult(ex.id, status, round(sum(t.points for t in tests), 6), ex.max_score,
                          tuple(tests), f"timed out after {budget:g} s" if timed_out else "")
