"""The driver's results file: one JSON line per event, written by the plugin, read by the host.

Three kinds of line cross from the driver process to the grader: the tests
pytest collected, each test as it finishes, and tampering evidence a subject's
policy reported.  Each is a typed record here, so the writer
(:mod:`grader.driver.plugin`) and the reader (:mod:`grader.run`) share one
shape.  A torn last line (the driver was killed mid-write) is skipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.results import Outcome


@dataclass(frozen=True)
class CollectedTest:
    """A test pytest collected: its node id, its name and the function course.yml scores."""

    nodeid: str
    name: str
    function: str

    def to_json(self) -> dict[str, Any]:
        return {"nodeid": self.nodeid, "name": self.name, "function": self.function}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CollectedTest:
        return cls(str(data["nodeid"]), str(data["name"]), str(data["function"]))


@dataclass(frozen=True)
class CollectedTests:
    """The line that lists every collected test (written once, before any test runs)."""

    tests: tuple[CollectedTest, ...]

    def to_json(self) -> dict[str, Any]:
        return {"collected": [t.to_json() for t in self.tests]}


@dataclass(frozen=True)
class FinishedTest:
    """A test that ended: set-up, call and teardown merged into one outcome."""

    nodeid: str
    outcome: Outcome
    message: str = ""
    duration: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"nodeid": self.nodeid, "outcome": self.outcome.value, "message": self.message,
                "duration": self.duration}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FinishedTest:
        return cls(str(data["nodeid"]), Outcome(data["outcome"]), str(data.get("message", "")),
                   float(data.get("duration", 0.0)))


@dataclass(frozen=True)
class TamperingEvidence:
    """What a subject's policy saw during one test (the grader voids the exercise)."""

    during: str
    evidence: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"tampering": list(self.evidence), "during": self.during}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TamperingEvidence:
        return cls(str(data["during"]), tuple(map(str, data["tampering"])))

    def lines(self) -> list[str]:
        """One "test: what" line per piece of evidence."""
        test = self.during.split("::")[-1]
        return [f"{test}: {what}" for what in self.evidence]


@dataclass
class DriverLog:
    """Everything one driver run wrote, in the order it happened."""

    collected: list[CollectedTest] = field(default_factory=list)
    finished: dict[str, FinishedTest] = field(default_factory=dict)
    tampering: list[TamperingEvidence] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> DriverLog:
        log = cls()
        if not path.exists():
            return log
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                log._add(json.loads(line))
            except (ValueError, KeyError, TypeError):
                continue  # a torn or foreign line: the tests it named count as not finished
        return log

    def _add(self, record: Mapping[str, Any]) -> None:
        if "collected" in record:
            self.collected = [CollectedTest.from_json(item) for item in record["collected"]]
        elif "tampering" in record:
            self.tampering.append(TamperingEvidence.from_json(record))
        elif "nodeid" in record:
            test = FinishedTest.from_json(record)
            self.finished[test.nodeid] = test

    def evidence(self) -> list[str]:
        return [line for report in self.tampering for line in report.lines()]


def append(path: Path, record: CollectedTests | FinishedTest | TamperingEvidence) -> None:
    """Append one record, flushed and synced, so a driver killed next loses nothing before it."""
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record.to_json()) + "\n")
        f.flush()
        os.fsync(f.fileno())
