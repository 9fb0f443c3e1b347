"""Student-facing pytest plugin: a progress table after ``pytest exercises/``.

Registered through the ``pytest11`` entry point; it stays silent unless the
session ran tests that live in ``exercises/<exercise_id>/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

EXERCISE_DIR = re.compile(r"^e\d\d_[a-z0-9_]+$")
NOT_STARTED = "NotImplementedError"


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


class ProgressTable:
    def __init__(self) -> None:
        self.root: Path | None = None
        self.exercises: dict[str, _Exercise] = {}
        self.paths: dict[str, Path] = {}

    def _exercise_of(self, path: Path) -> str | None:
        parent = path.parent
        if EXERCISE_DIR.match(parent.name) and parent.parent.name == "exercises":
            self.root = parent.parent
            return parent.name
        return None

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.paths = {item.nodeid: item.path for item in items}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        path = self.paths.get(report.nodeid)
        ex_id = self._exercise_of(path) if path is not None else None
        if ex_id is None:
            return
        ex = self.exercises.setdefault(ex_id, _Exercise())
        first = report.nodeid not in ex.nodeids
        if report.when == "call" and report.passed and first:
            ex.passed += 1
            ex.nodeids.add(report.nodeid)
        elif report.failed and first:
            ex.failed += 1
            ex.nodeids.add(report.nodeid)
            if NOT_STARTED in str(report.longrepr):
                ex.not_implemented += 1

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.exercises or self.root is None:
            return
        all_ids = sorted(p.name for p in self.root.iterdir() if p.is_dir() and EXERCISE_DIR.match(p.name))
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
            tr.write_line("")
            tr.write_line(f"next: {nxt}: read exercises/{nxt}/README.md; "
                          f"stuck? run: concurlab hint {nxt}")
        elif len(self.exercises) < len(all_ids):
            tr.write_line("\nall exercises you ran pass: run `pytest exercises/` for the rest")
        else:
            tr.write_line("\nevery exercise passes its visible tests. Well done!")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(ProgressTable(), "concurlab-progress")
