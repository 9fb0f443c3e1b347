"""The driver's results file: one JSON line per event, written by the plugin, read by the host.

Four kinds of line cross from the driver process to the grader: the tests
pytest collected, each test as it finishes, tampering evidence a subject's
policy reported, and limits a subject broke.  Each is a typed record here, so
the writer (:mod:`grader.driver.plugin`) and the reader (:mod:`grader.run`)
share one shape.  A torn last line (the driver was killed mid-write) is
skipped.  In grading runs the file is an unlinked one only the driver holds;
still, the first word per test wins, and a second result for a test is itself
tampering evidence.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.results import Outcome, Speed, Trace


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
    #: The failing interleaving, when the explorer found one (grader.results.Trace's shape).
    trace: Trace | None = None
    #: The side-by-side timings of a speed test, measured by the driver.
    speed: Speed | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"nodeid": self.nodeid, "outcome": self.outcome.value,
                                "message": self.message, "duration": self.duration}
        if self.trace is not None:
            data["trace"] = self.trace.to_json()
        if self.speed is not None:
            data["speed"] = self.speed.to_json()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FinishedTest:
        speed = data.get("speed")
        return cls(str(data["nodeid"]), Outcome(data["outcome"]), str(data.get("message", "")),
                   float(data.get("duration", 0.0)), trace_of(data.get("trace")),
                   Speed.from_json(speed) if isinstance(speed, Mapping) else None)


def trace_of(data: object) -> Trace | None:
    """A trace built in the subject is untrusted: kept only when it has the right shape."""
    if not isinstance(data, Mapping):
        return None
    try:
        return Trace.from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


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


@dataclass(frozen=True)
class ResourceLimit:
    """Limits of the job a subject broke during one test (message size, callbacks, memory)."""

    during: str
    broken: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"resource_limit": list(self.broken), "during": self.during}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ResourceLimit:
        return cls(str(data["during"]), tuple(map(str, data["resource_limit"])))

    def lines(self) -> list[str]:
        test = self.during.split("::")[-1]
        return [f"{test}: {what}" for what in self.broken]


Record = CollectedTests | FinishedTest | TamperingEvidence | ResourceLimit


@dataclass
class DriverLog:
    """Everything one driver run wrote, in the order it happened."""

    collected: list[CollectedTest] = field(default_factory=list)
    finished: dict[str, FinishedTest] = field(default_factory=dict)
    tampering: list[TamperingEvidence] = field(default_factory=list)
    limits: list[ResourceLimit] = field(default_factory=list)
    #: Tests reported more than once: someone else wrote into the driver's results.
    duplicates: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, path: Path) -> DriverLog:
        return cls.parse(path.read_text(encoding="utf-8", errors="replace") if path.exists() else "")

    @classmethod
    def parse(cls, text: str) -> DriverLog:
        log = cls()
        for line in text.splitlines():
            try:
                record = json.loads(line)
                if type(record) is dict:
                    log._add(record)
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # a torn or foreign line: the tests it named count as not finished
        return log

    def _add(self, record: Mapping[str, Any]) -> None:
        if "collected" in record:
            if not self.collected:  # the first word is the driver's
                self.collected = [CollectedTest.from_json(item) for item in record["collected"]]
        elif "tampering" in record:
            self.tampering.append(TamperingEvidence.from_json(record))
        elif "resource_limit" in record:
            self.limits.append(ResourceLimit.from_json(record))
        elif "nodeid" in record:
            test = FinishedTest.from_json(record)
            if test.nodeid in self.finished:
                self.duplicates.append(test.nodeid)
            else:
                self.finished[test.nodeid] = test  # the first record per test wins

    def evidence(self) -> list[str]:
        """Tampering evidence, a second result for a test included."""
        second = [f"{nodeid.split('::')[-1]}: a second result for this test was written into "
                  "the driver's results" for nodeid in self.duplicates]
        return [line for report in self.tampering for line in report.lines()] + second

    def broken_limits(self) -> list[str]:
        return [line for report in self.limits for line in report.lines()]


def encode(record: Record) -> bytes:
    return (json.dumps(record.to_json()) + "\n").encode()


def append(path: Path, record: Record) -> None:
    """Append one record, flushed and synced, so a driver killed next loses nothing before it."""
    with open(path, "ab") as f:
        f.write(encode(record))
        f.flush()
        os.fsync(f.fileno())


def write_to(fd: int, record: Record) -> None:
    """The same on an inherited descriptor (grading runs: an unlinked file only the driver holds)."""
    view = memoryview(encode(record))
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)
