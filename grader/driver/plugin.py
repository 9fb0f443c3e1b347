"""pytest plugin for hidden tests: the ``subject`` fixture and a results file.

Loaded only in grading runs (``-p grader.driver.plugin``).  The driver process
imports hidden tests and this plugin, never the submission; the grader reads
the results file this plugin writes, one JSON line per test, so a run killed
half way still reports every test that finished.
"""

from __future__ import annotations

import contextlib
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
    group.addoption("--concurlab-results-fd", type=int,
                    help="inherited descriptor to append test results to (no path the subject could find)")
    group.addoption("--concurlab-call-timeout", type=float, default=30.0,
                    help="seconds one call into the submission may take")
    group.addoption("--concurlab-seed", type=int, default=0, help="seed for randomised checks")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("--concurlab-results")
    fd = config.getoption("--concurlab-results-fd")
    if path or fd is not None:
        recorder = ResultsRecorder(Path(path)) if fd is None else ResultsRecorder.on_descriptor(fd)
        config.pluginmanager.register(recorder, "concurlab-results")
        exit_with_parent()
        if fd is not None:
            refuse_inspection()


@pytest.fixture
def subject(request: pytest.FixtureRequest):
    """The submission, running in its own process; killed with its group after the test."""
    config = request.config
    module_dir = config.getoption("--concurlab-module-dir")
    module = config.getoption("--concurlab-module")
    if not module_dir or not module:
        pytest.fail("hidden tests need --concurlab-module-dir and --concurlab-module")
    sub = Subject(Path(module_dir), module, call_timeout=config.getoption("--concurlab-call-timeout"))
    yield sub
    sub.close()
    _record_tampering(config, request.node.nodeid, sub.flags)
    _record_limits(config, request.node.nodeid, sub.limits_exceeded)


def _record_tampering(config: pytest.Config, nodeid: str, flags: list[str]) -> None:
    """Evidence of tampering goes to the results file: the grader voids the exercise."""
    recorder = config.pluginmanager.get_plugin("concurlab-results")
    if flags and recorder is not None:
        recorder.write({"tampering": [str(f) for f in flags], "during": nodeid})


def _record_limits(config: pytest.Config, nodeid: str, broken: list[str]) -> None:
    """Limits the submission broke go to the results file: the job ends "resource limit exceeded"."""
    recorder = config.pluginmanager.get_plugin("concurlab-results")
    if broken and recorder is not None:
        recorder.write({"resource_limit": [str(b) for b in broken], "during": nodeid})


@pytest.fixture
def reference(request: pytest.FixtureRequest):
    """The reference solution in a subject of its own, for side-by-side timing."""
    config = request.config
    ref_dir = config.getoption("--concurlab-reference-dir")
    if not ref_dir:
        pytest.fail("this hidden test needs --concurlab-reference-dir")
    sub = Subject(Path(ref_dir), config.getoption("--concurlab-module"),
                  call_timeout=config.getoption("--concurlab-call-timeout"))
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


def refuse_inspection() -> None:
    """Make the driver non-dumpable: a process of the same user (an unsandboxed subject)
    can then neither ptrace it nor open ``/proc/<driver>/fd/*`` (root still can)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0


class ResultsRecorder:
    """Writes one JSON line per finished test (flushed and synced before the next test).

    In grading runs the file is an inherited descriptor of an unlinked file: the
    subject never inherits it (its launch closes every other descriptor) and no
    path leads to it.
    """

    def __init__(self, path: Path | None, fd: int | None = None):
        self.path = path
        self._fd = fd
        self._current: dict[str, dict] = {}
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    @classmethod
    def on_descriptor(cls, fd: int) -> ResultsRecorder:
        os.set_inheritable(fd, False)
        return cls(None, fd)

    def write(self, record: dict) -> None:
        data = (json.dumps(record) + "\n").encode()
        if self._fd is not None:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]
            os.fsync(self._fd)
            return
        with open(self.path, "ab") as f:
            f.write(data)
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
