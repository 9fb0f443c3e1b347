"""Student-facing pytest plugin: visible tests that teach before they grade.

Registered through the ``pytest11`` entry point; it acts only on tests that live in an
exercise folder (``eNN_name/``), and the grader turns it off for hidden tests.

- Every test is bounded: a test still running after ``concurlab_test_timeout`` seconds
  (10 by default, stretched up to 6 times on an overloaded machine) stops with "stuck at file:line" for each thread in the exercise's code,
  and the processes it left behind are killed.
- By default a failure is told for a learner: the message (the explorer's story, the
  measured speed), where it was raised in the student's module, and the test line; an
  unfinished stub (``NotImplementedError``) is one line. ``-v`` shows pytest's report.
- A progress table comes last, after every failure, and the results are remembered for
  ``concurlab status``.
"""

from __future__ import annotations

import contextlib
import linecache
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grader.student.state import EXERCISE_DIR, ExerciseRun, HandoutState, exercises_in, module_name

NOT_STARTED = "NotImplementedError"
DEFAULT_TIMEOUT = 10.0
#: After the first stop, the reminder repeats this often (student code may swallow it).
REMIND_EVERY = 2.0


#: On a machine busier than its cores, the bound grows with the load, up to this factor.
MAX_LOAD_FACTOR = 6.0


def load_scaled(seconds: float) -> float:
    """``seconds``, stretched on an overloaded machine so that slowness is not called stuck."""
    try:
        ratio = os.getloadavg()[0] / max(1, len(os.sched_getaffinity(0)))
    except (OSError, AttributeError):
        return seconds
    return seconds * min(MAX_LOAD_FACTOR, max(1.0, ratio))


class Stuck(BaseException):
    """A visible test ran past its bound; a BaseException, so ``except Exception`` keeps it."""


def exercise_folder(path: Path) -> Path | None:
    return path.parent if EXERCISE_DIR.match(path.parent.name) else None


def _where(filename: str, lineno: int, function: str) -> str:
    source = linecache.getline(filename, lineno).strip()
    return f"{Path(filename).name}:{lineno} in {function}" + (f": {source}" if source else "")


def stuck_story(folder: Path, seconds: float, earlier: set[int]) -> str:
    """Where each thread is, in the exercise's own files, when a test runs past its bound.

    Threads in ``earlier`` were alive before the test began: not this test's story.
    """
    lines = [f"stuck: still running after {seconds:.0f} s (a deadlock, a lost wake-up, a join "
             "that never returns, or a loop that never ends?)"]
    frames = sys._current_frames()
    for thread in threading.enumerate():
        if thread.ident in earlier:
            continue
        frame = frames.get(thread.ident)
        while frame is not None and Path(frame.f_code.co_filename).parent != folder:
            frame = frame.f_back
        if frame is not None:
            lines.append(f"  {thread.name} is stuck at "
                         + _where(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name))
    if len(lines) == 1:
        lines.append("  (no thread is inside this exercise's files: waiting for a process?)")
    return "\n".join(lines)


def learner_text(excinfo: pytest.ExceptionInfo, folder: Path, item: pytest.Item) -> str:
    """A failure as a learner needs it: what went wrong, where in their module, which test line."""
    exc = excinfo.value
    own = [e for e in excinfo.traceback if Path(str(e.path)).parent == folder]
    module = [e for e in own if Path(str(e.path)) != item.path]
    test_line = next((e for e in reversed(own) if Path(str(e.path)) == item.path), None)
    at = module[-1] if module else None
    if isinstance(exc.__context__, NotImplementedError) and not isinstance(exc, Stuck):
        exc = exc.__context__  # pytest.raises(...) saw the stub's exception instead
    if isinstance(exc, NotImplementedError):
        where = f" ({Path(str(at.path)).name}:{at.lineno + 1})" if at else ""
        return f"not started: {exc}{where}"
    if isinstance(exc, Stuck):
        return str(exc)
    if isinstance(exc, AssertionError):
        text = str(exc).strip() or "assertion failed"
        message, _, _pytest_explanation = text.rpartition("\nassert ")
        text = message or text  # a test's own message says it better than the rewritten expression
    else:
        text = f"{type(exc).__name__}: {exc}"
        if at is not None:
            text += "\n  raised at " + _where(str(at.path), at.lineno + 1, at.name)
    if test_line is not None:
        text += "\n  test: " + _where(str(test_line.path), test_line.lineno + 1, test_line.name)
    return text + "\n  (pytest -v shows the full traceback)"


@dataclass
class _Exercise:
    passed: int = 0
    failed: int = 0
    not_implemented: int = 0
    nodeids: set[str] = field(default_factory=set)

    @property
    def status(self) -> str:
        if self.failed == 0:
            return "passed"
        return "not started" if self.not_implemented == self.failed and self.passed == 0 else "failing"


class StudentSession:
    """Bounds, learner reports and the progress table of one pytest run."""

    def __init__(self, config: pytest.Config) -> None:
        self.verbose = config.get_verbosity() > 0
        self.bound = load_scaled(float(config.getini("concurlab_test_timeout") or DEFAULT_TIMEOUT))
        self.root: Path | None = None
        self.exercises: dict[str, _Exercise] = {}
        self.paths: dict[str, Path] = {}
        self.stuck_in: dict[Path, str] = {}  # exercise folder -> where it got stuck
        self.exitstatus = 0
        if not self.verbose and config.option.reportchars in ("fE", "wfE", ""):
            config.option.reportchars = ""  # each failure is already one short report
            config.option.disable_warnings = True  # pytest's warnings are not the learner's
        # one exercise that cannot even be imported must not stop the others
        config.option.continue_on_collection_errors = True

    # -- bounds -------------------------------------------------------------------------

    @contextlib.contextmanager
    def _bounded(self, folder: Path):
        """Stop the main thread with ``Stuck`` once ``self.bound`` seconds have passed."""
        earlier = {t.ident for t in threading.enumerate() if t is not threading.main_thread()}

        def stop(signum, frame):
            self.stuck_in[folder] = stuck_story(folder, self.bound, earlier)
            raise Stuck(self.stuck_in[folder])

        previous = signal.signal(signal.SIGALRM, stop)
        old_delay, _ = signal.setitimer(signal.ITIMER_REAL, self.bound, REMIND_EVERY)
        started = time.monotonic()
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            if old_delay:  # another timer (pytest-timeout) was running: give it back its rest
                signal.setitimer(signal.ITIMER_REAL,
                                 max(0.001, old_delay - (time.monotonic() - started)))
            if folder in self.stuck_in:
                _kill_children()

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):
        folder = exercise_folder(item.path)
        if folder is None or threading.current_thread() is not threading.main_thread():
            return (yield)
        if folder in self.stuck_in:
            raise Stuck("not run: an earlier test of this exercise got stuck (above); "
                        "fix that one first")
        with self._bounded(folder):
            return (yield)

    # -- reports ------------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        folder = exercise_folder(item.path)
        if folder is not None and report.failed and call.excinfo is not None:
            value = call.excinfo.value
            if isinstance(value, NotImplementedError) or isinstance(value.__context__,
                                                                    NotImplementedError):
                report.user_properties.append(("concurlab", "not started"))
            if not self.verbose:
                report.longrepr = learner_text(call.excinfo, folder, item)
        return report

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(self, collector: pytest.Collector):
        """Importing is bounded too; a module that calls ``sys.exit()`` when imported fails
        to collect, with that reason."""
        folder = exercise_folder(Path(str(collector.path)))
        if folder is None or not isinstance(collector, pytest.Module):
            return (yield)
        try:
            with self._bounded(folder):
                report = yield
            if report.failed and folder in self.stuck_in and not self.verbose:
                report.longrepr = "while importing the tests (and your module): " + self.stuck_in[folder]
            return report
        except SystemExit as exc:
            tb = exc.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            where = _where(tb.tb_frame.f_code.co_filename, tb.tb_lineno, "<module>") if tb else "?"
            return pytest.CollectReport(
                collector.nodeid, "failed",
                (f"importing the test's module ran sys.exit({exc.code!r}) at {where}\n"
                          "  code at the top level of a module runs on every import (and in every "
                          "spawned worker): put it in a function, called only under "
                 "if __name__ == \"__main__\":"), [])

    # -- progress -----------------------------------------------------------------------

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.paths.update({item.nodeid: item.path for item in items})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        path = self.paths.get(report.nodeid)
        if path is None or exercise_folder(path) is None:
            return
        if path.parent.parent.name == "exercises":
            self.root = path.parent.parent.parent
        ex = self.exercises.setdefault(path.parent.name, _Exercise())
        first = report.nodeid not in ex.nodeids
        if report.when == "call" and report.passed and first:
            ex.passed += 1
            ex.nodeids.add(report.nodeid)
        elif report.failed and first:
            ex.failed += 1
            ex.nodeids.add(report.nodeid)
            if ("concurlab", "not started") in report.user_properties or NOT_STARTED in str(
                    report.longrepr):
                ex.not_implemented += 1

    @pytest.hookimpl(wrapper=True)
    def pytest_collect_file(self, file_path: Path):
        collected = yield
        if exercise_folder(file_path) is not None:
            for node in collected or []:
                self.paths[node.nodeid] = file_path
        return collected

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        path = self.paths.get(report.nodeid)
        if report.failed and path is not None and exercise_folder(path) is not None:
            if path.parent.parent.name == "exercises":
                self.root = path.parent.parent.parent
            self.exercises.setdefault(path.parent.name, _Exercise()).failed += 1

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.exercises or self.root is None:
            return
        all_ids = exercises_in(self.root)
        self._remember()
        tr = terminalreporter
        tr.section("concurlab progress", sep="-")
        marks = {"passed": "passed", "failing": "FAILING", "not started": "not started",
                 "not run": "-"}
        for ex_id in all_ids:
            ex = self.exercises.get(ex_id)
            status = ex.status if ex else "not run"
            detail = f"  ({ex.passed}/{ex.passed + ex.failed} tests)" if ex else ""
            tr.write_line(f"  {ex_id:<24} {marks[status]}{detail}")
        pending = [e for e in all_ids if e in self.exercises and self.exercises[e].status != "passed"]
        if pending:
            nxt = pending[0]
            short = nxt.split("_")[0]
            tr.write_line("")
            tr.write_line(f"next: {nxt}: read exercises/{nxt}/README.md; "
                          f"stuck? run: concurlab hint {short}")
        elif len(self.exercises) < len(all_ids):
            tr.write_line("\nall exercises you ran pass: run `pytest exercises/` for the rest")
        else:
            tr.write_line("\nevery exercise passes its visible tests. Well done!")

    def _remember(self) -> None:
        """Store each exercise's result for ``concurlab status`` (never fails the run)."""
        assert self.root is not None
        with contextlib.suppress(OSError):
            state = HandoutState.load(self.root)
            for ex_id, ex in self.exercises.items():
                folder = self.root / "exercises" / ex_id
                module = folder / f"{module_name(folder)}.py"
                mtime = module.stat().st_mtime if module.is_file() else 0.0
                state.runs[ex_id] = ExerciseRun(ex.status, ex.passed, ex.passed + ex.failed, mtime)
            state.save(self.root)

    # -- the end ------------------------------------------------------------------------

    def pytest_sessionfinish(self, exitstatus: int) -> None:
        self.exitstatus = int(exitstatus)

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self) -> None:
        """After a stuck test, leave at once: its threads may never end, and exit handlers
        (a pool's finalizer waiting on a lock a killed worker held) may wait for ever."""
        if self.stuck_in:
            _kill_children()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(self.exitstatus)


def _kill_children() -> None:
    """Kill the processes a stuck test left (pool workers blocked for ever)."""
    import psutil

    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            child.kill()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("concurlab_test_timeout", "seconds a visible test may run before it is stopped "
                  f"as stuck (default {DEFAULT_TIMEOUT:g})", default=str(DEFAULT_TIMEOUT))


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(StudentSession(config), "concurlab-student")
