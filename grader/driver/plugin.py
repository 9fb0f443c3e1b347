"""pytest plugin for hidden tests: the ``subject`` fixture and a results file.

Loaded only in grading runs (``-p grader.driver.plugin``).  The driver process
imports hidden tests and this plugin, never the submission; the grader reads
the results file this plugin writes, one JSON line per test, so a run killed
half way still reports every test that finished.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from grader.driver.subject import RemoteError, Subject
from grader.lifeline import exit_with_parent


class Inconclusive(Exception):
    """Raised by a hidden test when the machine could not show what it measures.

    The test scores nothing for now and is marked for a regrade; it never
    counts as the student's failure.
    """


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("concurlab", "concurlab grading driver")
    group.addoption("--concurlab-module-dir", help="folder that provides the module under test")
    group.addoption("--concurlab-module", help="name of the module under test")
    group.addoption("--concurlab-reference-dir",
                    help="folder with the reference solution (for side-by-side measurements)")
    group.addoption("--concurlab-results", help="JSON-lines file to append test results to")
    group.addoption("--concurlab-call-timeout", type=float, default=30.0,
                    help="seconds one call into the submission may take")
    group.addoption("--concurlab-seed", type=int, default=0, help="seed for randomised checks")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "concurlab_permit(*events): audit events the tampering policy allows this "
        "exercise's submissions (e.g. sys._current_frames for a thread-dump exercise)")
    path = config.getoption("--concurlab-results")
    if path:
        config.pluginmanager.register(ResultsRecorder(Path(path)), "concurlab-results")
        exit_with_parent()


@pytest.fixture
def subject(request: pytest.FixtureRequest):
    """The submission, running in its own process; killed with its group after the test."""
    config = request.config
    module_dir = config.getoption("--concurlab-module-dir")
    module = config.getoption("--concurlab-module")
    if not module_dir or not module:
        pytest.fail("hidden tests need --concurlab-module-dir and --concurlab-module")
    sub = Subject(Path(module_dir), module, call_timeout=config.getoption("--concurlab-call-timeout"),
                  permit=_permitted(request))
    yield sub
    sub.close()
    _record_tampering(config, request.node.nodeid, sub.flags)


def _permitted(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """Audit events a hidden test module permits with ``pytestmark = pytest.mark.concurlab_permit(...)``."""
    return tuple(str(event) for mark in request.node.iter_markers("concurlab_permit") for event in mark.args)


def _record_tampering(config: pytest.Config, nodeid: str, flags: list[str]) -> None:
    """Evidence of tampering goes to the results file: the grader voids the exercise."""
    recorder = config.pluginmanager.get_plugin("concurlab-results")
    if flags and recorder is not None:
        recorder.write({"tampering": [str(f) for f in flags], "during": nodeid})


@pytest.fixture
def reference(request: pytest.FixtureRequest):
    """The reference solution in a subject of its own, for side-by-side timing."""
    config = request.config
    ref_dir = config.getoption("--concurlab-reference-dir")
    if not ref_dir:
        pytest.fail("this hidden test needs --concurlab-reference-dir")
    sub = Subject(Path(ref_dir), config.getoption("--concurlab-module"),
                  call_timeout=config.getoption("--concurlab-call-timeout"), permit=_permitted(request))
    yield sub
    sub.close()


@pytest.fixture
def concurlab_seed(request: pytest.FixtureRequest) -> int:
    return request.config.getoption("--concurlab-seed")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if call.excinfo is not None:
        report.concurlab_message = failure_message(call.excinfo)
        if call.excinfo.errisinstance(Inconclusive):
            report.concurlab_inconclusive = True
    return report


def _names(item: pytest.Item) -> dict:
    return {"nodeid": item.nodeid, "name": item.name,
            "function": getattr(item, "originalname", item.name)}


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


class ResultsRecorder:
    """Writes one JSON line per finished test (flushed and synced before the next test)."""

    def __init__(self, path: Path):
        self.path = path
        self._current: dict[str, dict] = {}
        path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, record: dict) -> None:
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.write({"collected": [_names(item) for item in session.items]})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Merge setup/call/teardown into one outcome; record it when the test ends."""
        state = self._current.setdefault(
            report.nodeid, {"outcome": "passed", "message": "", "duration": 0.0})
        state["duration"] += report.duration
        if getattr(report, "concurlab_inconclusive", False):
            state.update(outcome="inconclusive", message=report.concurlab_message)
        elif report.failed and state["outcome"] in ("passed", "skipped"):
            outcome = "error" if report.when == "setup" else "failed"
            state.update(outcome=outcome, message=getattr(report, "concurlab_message", ""))
        elif report.skipped and state["outcome"] == "passed":
            state.update(outcome="skipped", message=_skip_reason(report))
        if report.when == "teardown":
            self.write({"nodeid": report.nodeid, **self._current.pop(report.nodeid)})
