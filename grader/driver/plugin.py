"""pytest plugin for hidden tests: the ``subject`` fixture and a results file.

Loaded only in grading runs (``-p grader.driver.plugin``).  The driver process
imports hidden tests and this plugin, never the submission; the grader reads
the results file this plugin writes, one JSON line per test, so a run killed
half way still reports every test that finished.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest

from grader.driver import explored, records
from grader.driver.args import DriverArgs
from grader.driver.records import (
    CollectedTest,
    CollectedTests,
    FinishedTest,
    Record,
    ResourceLimit,
    TamperingEvidence,
    trace_of,
)
from grader.driver.subject import RemoteError, Subject
from grader.driver.verdicts import Inconclusive
from grader.lifeline import exit_with_parent
from grader.results import Outcome
from grader.speedup import timing

#: Each ``--seed`` of ``concurlab grade`` gives hidden tests seeds this far apart.
SEED_STRIDE = 1000
_ARGS = pytest.StashKey[DriverArgs]()


def pytest_addoption(parser: pytest.Parser) -> None:
    DriverArgs.add_options(parser.getgroup("concurlab", "concurlab grading driver"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "concurlab_permit(*events): audit events the tampering policy allows this "
        "exercise's submissions (e.g. sys._current_frames for a thread-dump exercise)")
    args = config.stash[_ARGS] = DriverArgs.from_config(config)
    if args.results or args.results_fd is not None:
        config.pluginmanager.register(ResultsRecorder(args.results, args.results_fd), "concurlab-results")
        exit_with_parent()
        if args.results_fd is not None:
            refuse_inspection()


def _args(config: pytest.Config) -> DriverArgs:
    return config.stash[_ARGS]


@pytest.fixture
def subject(request: pytest.FixtureRequest):
    """The submission, running in its own process; killed with its group after the test."""
    args = _args(request.config)
    if not args.module_dir or not args.module:
        pytest.fail(f"hidden tests need {DriverArgs.option('module_dir')} and "
                    f"{DriverArgs.option('module')}")
    sub = Subject(args.module_dir, args.module, call_timeout=args.call_timeout,
                  permit=_permitted(request))
    yield sub
    sub.close()
    _record_tampering(request.config, request.node.nodeid, sub.flags)
    _record_limits(request.config, request.node.nodeid, sub.limits_exceeded)


def _permitted(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """Audit events a hidden test module permits with ``pytestmark = pytest.mark.concurlab_permit(...)``."""
    return tuple(str(event) for mark in request.node.iter_markers("concurlab_permit") for event in mark.args)


def _record_tampering(config: pytest.Config, nodeid: str, flags: list[str]) -> None:
    """Evidence of tampering goes to the results file: the grader voids the exercise."""
    recorder = config.pluginmanager.get_plugin("concurlab-results")
    if flags and recorder is not None:
        recorder.write(TamperingEvidence(nodeid, tuple(str(f) for f in flags)))


def _record_limits(config: pytest.Config, nodeid: str, broken: list[str]) -> None:
    """Limits the submission broke go to the results file: the job ends "resource limit exceeded"."""
    recorder = config.pluginmanager.get_plugin("concurlab-results")
    if broken and recorder is not None:
        recorder.write(ResourceLimit(nodeid, tuple(str(b) for b in broken)))


@pytest.fixture
def reference(request: pytest.FixtureRequest):
    """The reference solution in a subject of its own, for side-by-side timing."""
    args = _args(request.config)
    if not args.reference_dir or not args.module:
        pytest.fail(f"this hidden test needs {DriverArgs.option('reference_dir')}")
    sub = Subject(args.reference_dir, args.module, call_timeout=args.call_timeout,
                  permit=_permitted(request))
    yield sub
    sub.close()


@pytest.fixture
def seed(request: pytest.FixtureRequest) -> int:
    """The seed for this grading's randomised checks (from ``concurlab grade --seed``).

    Derived here once, so no hidden test computes its own; a verdict never depends on it.
    """
    return _args(request.config).seed * SEED_STRIDE


@pytest.fixture
def thresholds(request: pytest.FixtureRequest) -> dict[str, float]:
    """The exercise's ``thresholds:`` from course.yml (the speed judge adds its defaults)."""
    return dict(_args(request.config).thresholds)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if call.when == "setup":
        explored.failing_traces.clear()
        timing.measured.clear()
    if call.when == "call" and timing.measured:
        report.concurlab_speed = timing.measured[-1]
    if call.excinfo is not None:
        report.concurlab_message = failure_message(call.excinfo)
        if call.excinfo.errisinstance(Inconclusive):
            report.concurlab_inconclusive = True
        elif call.when == "call" and explored.failing_traces:
            report.concurlab_trace = trace_of(explored.failing_traces[-1])
    return report


def _collected(item: pytest.Item) -> CollectedTest:
    return CollectedTest(item.nodeid, item.name, getattr(item, "originalname", item.name))


def _skip_reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2])
    return "skipped"


_TIMEOUT = re.compile(r"Timeout \(?>?\s*([\d.]+)\s*s\)?")


def failure_message(excinfo: pytest.ExceptionInfo) -> str:
    """What the student reads: the hidden test's own message, not pytest's internals."""
    exc = excinfo.value
    text = str(exc)
    if excinfo.errisinstance(pytest.fail.Exception) and (m := _TIMEOUT.search(text)):
        return f"timed out after {float(m.group(1)):g} s"
    if isinstance(exc, AssertionError):
        head, sep, _explanation = text.partition("\nassert ")
        text = head if sep and head.strip() else text
    elif not isinstance(exc, Inconclusive | RemoteError) and not excinfo.errisinstance(pytest.fail.Exception):
        text = f"{type(exc).__name__}: {text}"
    return _clip(text.strip())


def _clip(text: str, limit: int = 3000) -> str:
    return text if len(text) <= limit else text[:limit] + " [...]"


def refuse_inspection() -> None:
    """Make the driver non-dumpable: a process of the same user (an unsandboxed subject)
    can then neither ptrace it nor open ``/proc/<driver>/fd/*`` (root still can)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0


class ResultsRecorder:
    """Writes one record per finished test (flushed and synced before the next test).

    In grading runs the file is an inherited descriptor of an unlinked file: the
    subject never inherits it (its launch closes every other descriptor) and no
    path leads to it.
    """

    def __init__(self, path: Path | None, fd: int | None = None):
        self.path = path
        self._fd = fd
        self._current: dict[str, FinishedTest] = {}
        if fd is not None:
            os.set_inheritable(fd, False)
        elif path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, record: Record) -> None:
        if self._fd is not None:
            records.write_to(self._fd, record)
        elif self.path is not None:
            records.append(self.path, record)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.write(CollectedTests(tuple(_collected(item) for item in session.items)))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Merge setup/call/teardown into one outcome; record it when the test ends."""
        state = self._current.get(report.nodeid, FinishedTest(report.nodeid, Outcome.PASSED))
        state = replace(state, duration=state.duration + report.duration)
        if getattr(report, "concurlab_inconclusive", False):
            state = replace(state, outcome=Outcome.INCONCLUSIVE, message=report.concurlab_message)
        elif report.failed and state.outcome in (Outcome.PASSED, Outcome.SKIPPED):
            outcome = Outcome.ERROR if report.when == "setup" else Outcome.FAILED
            state = replace(state, outcome=outcome, message=getattr(report, "concurlab_message", ""),
                            trace=getattr(report, "concurlab_trace", None))
        elif report.skipped and state.outcome is Outcome.PASSED:
            state = replace(state, outcome=Outcome.SKIPPED, message=_skip_reason(report))
        if getattr(report, "concurlab_speed", None) is not None:
            state = replace(state, speed=report.concurlab_speed)
        self._current[report.nodeid] = state
        if report.when == "teardown":
            self.write(self._current.pop(report.nodeid))
