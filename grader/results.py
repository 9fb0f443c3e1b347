"""What grading produces: typed, frozen records that serialise themselves.

Every producer (the driver's results file read back by ``run``, the batch, the
store) and every reader (reports, exports, the gradebook table, the self-check)
uses these types; JSON is only what ``to_json`` writes and ``from_json`` reads.
Modelled on pytest's ``reports.py``: a record knows its own wire shape.

``report.json`` carries ``"schema": SCHEMA``; readers accept files without it
(written before the schema was versioned: the same fields).  See
``docs/results.md`` for the fields.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

#: Version of the JSON shape written by ``to_json``; bump on an incompatible change.
SCHEMA = 1


class ResultsError(Exception):
    """A results file or folder that cannot be read, phrased for the person who fixes it."""


class Outcome(StrEnum):
    """How one hidden test ended."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"          # the test's set-up failed
    SKIPPED = "skipped"
    INCONCLUSIVE = "inconclusive"  # the machine could not show it: a regrade, not the student's fault

    @property
    def loses_points(self) -> bool:
        return self in (Outcome.FAILED, Outcome.ERROR, Outcome.SKIPPED)


class Status(StrEnum):
    """How the grading of one (student, exercise) ended."""

    GRADED = "graded"
    INCONCLUSIVE = "inconclusive"      # some test could not be measured: regrade
    TIMED_OUT = "timed out"
    TAMPERING = "tampering"            # voided, flagged for the instructor's review
    NOT_SUBMITTED = "not submitted"
    SYNTAX_ERROR = "syntax error"
    INVALID = "invalid"                # unreadable submission (bad zip, symlink, encoding, size)
    NOT_ALLOWED = "not allowed"        # refused by the static gate before anything ran
    RESOURCE_LIMIT = "resource limit exceeded"
    GRADER_ERROR = "grader error"      # the grader's fault: regrade

    @property
    def final(self) -> bool:
        """False when the score may still change on a regrade (an LMS should show it pending)."""
        return self not in (Status.INCONCLUSIVE, Status.GRADER_ERROR)

    @property
    def ran(self) -> bool:
        """Whether the hidden tests ran at all (each test then has its own message)."""
        return self in (Status.GRADED, Status.INCONCLUSIVE, Status.TIMED_OUT, Status.TAMPERING,
                        Status.RESOURCE_LIMIT)


@dataclass(frozen=True)
class TraceStep:
    """One step of an explored interleaving, for drawing one lane per thread."""

    thread: str
    action: str                 # e.g. "read", "write", "acquire", "release", "wait", "call"
    detail: str = ""            # e.g. "balance=100", already truncated by the explorer
    location: str = ""          # "file:line" in the submission
    key: bool = False           # the switch or step that matters (where the invariant broke)

    def to_json(self) -> dict[str, Any]:
        return {"thread": self.thread, "action": self.action, "detail": self.detail,
                "location": self.location, "key": self.key}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TraceStep:
        return cls(str(data["thread"]), str(data["action"]), str(data.get("detail", "")),
                   str(data.get("location", "")), bool(data.get("key", False)))


@dataclass(frozen=True)
class Trace:
    """A failing interleaving as structured data (the story text stays in the message)."""

    threads: tuple[str, ...]
    steps: tuple[TraceStep, ...]
    replay: str = ""            # the one line that replays this schedule
    cycle: tuple[str, ...] = ()  # for a deadlock: threads in wait-for order, the first waits on the second...
    verdict: str = ""           # what broke, one line

    def to_json(self) -> dict[str, Any]:
        return {"threads": list(self.threads), "steps": [s.to_json() for s in self.steps],
                "replay": self.replay, "cycle": list(self.cycle), "verdict": self.verdict}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Trace:
        return cls(tuple(map(str, data.get("threads", ()))),
                   tuple(TraceStep.from_json(s) for s in data.get("steps", ())),
                   str(data.get("replay", "")), tuple(map(str, data.get("cycle", ()))),
                   str(data.get("verdict", "")))


@dataclass(frozen=True)
class SpeedRun:
    label: str                  # "serial", "reference" or "student"
    seconds: float
    workers: int = 1

    def to_json(self) -> dict[str, Any]:
        return {"label": self.label, "seconds": self.seconds, "workers": self.workers}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SpeedRun:
        return cls(str(data["label"]), float(data["seconds"]), int(data.get("workers", 1)))


@dataclass(frozen=True)
class Speed:
    """Side-by-side timings of one speed test, for a chart against ideal and Amdahl."""

    runs: tuple[SpeedRun, ...]
    cpus: int
    parallel_fraction: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"runs": [r.to_json() for r in self.runs], "cpus": self.cpus,
                "parallel_fraction": self.parallel_fraction}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Speed:
        pf = data.get("parallel_fraction")
        return cls(tuple(SpeedRun.from_json(r) for r in data.get("runs", ())), int(data["cpus"]),
                   None if pf is None else float(pf))


@dataclass(frozen=True)
class TestResult:
    """One hidden test (one parametrised case) of one exercise."""

    __test__ = False  # not a pytest test class

    name: str
    outcome: Outcome
    points: float
    max_points: float
    message: str = ""
    duration: float = 0.0
    #: Gating tests that did not pass: this test's points are withheld until they do.
    gated_by: tuple[str, ...] = ()
    trace: Trace | None = None
    speed: Speed | None = None
    #: Processes left behind or leaked, each "what: where it was started".
    leaks: tuple[str, ...] = ()

    @property
    def function(self) -> str:
        """The test function's name, parameters stripped (what course.yml gives points to)."""
        return self.name.split("[")[0]

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "outcome": self.outcome.value,
                                "points": self.points, "max_points": self.max_points,
                                "message": self.message, "duration": self.duration}
        if self.gated_by:
            data["gated_by"] = list(self.gated_by)
        if self.trace is not None:
            data["trace"] = self.trace.to_json()
        if self.speed is not None:
            data["speed"] = self.speed.to_json()
        if self.leaks:
            data["leaks"] = list(self.leaks)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TestResult:
        return cls(
            name=str(data["name"]), outcome=Outcome(data["outcome"]),
            points=float(data["points"]), max_points=float(data["max_points"]),
            message=str(data.get("message", "")), duration=float(data.get("duration", 0.0)),
            gated_by=tuple(map(str, data.get("gated_by", ()))),
            trace=Trace.from_json(data["trace"]) if data.get("trace") else None,
            speed=Speed.from_json(data["speed"]) if data.get("speed") else None,
            leaks=tuple(map(str, data.get("leaks", ()))),
        )


@dataclass(frozen=True)
class ExerciseResult:
    """The grading of one (student, exercise): what the store keeps per job."""

    exercise: str
    status: Status
    score: float
    max_score: float
    tests: tuple[TestResult, ...] = ()
    message: str = ""
    duration: float = 0.0
    #: How the submission was isolated ("bubblewrap" or "off"); reports say so when off.
    sandbox: str = ""
    seed: int = 0

    @property
    def regrade_needed(self) -> bool:
        return not self.status.final

    def to_json(self) -> dict[str, Any]:
        return {"exercise": self.exercise, "status": self.status.value, "score": self.score,
                "max_score": self.max_score, "message": self.message,
                "tests": [t.to_json() for t in self.tests], "duration": self.duration,
                "sandbox": self.sandbox, "seed": self.seed}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], exercise: str = "") -> ExerciseResult:
        return cls(
            exercise=str(data.get("exercise", exercise)), status=Status(data["status"]),
            score=float(data["score"]), max_score=float(data["max_score"]),
            tests=tuple(TestResult.from_json(t) for t in data.get("tests", ())),
            message=str(data.get("message", "")), duration=float(data.get("duration", 0.0)),
            sandbox=str(data.get("sandbox", "")), seed=int(data.get("seed", 0)),
        )


@dataclass(frozen=True)
class Late:
    """A late submission: whole days late and the fraction of the score taken."""

    days: int
    penalty: float
    total_before_penalty: float

    def to_json(self) -> dict[str, Any]:
        return {"days": self.days, "penalty": self.penalty,
                "total_before_penalty": self.total_before_penalty}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Late:
        return cls(int(data["days"]), float(data["penalty"]), float(data["total_before_penalty"]))


@dataclass(frozen=True)
class StudentReport:
    """One student's grading: ``DIR/<student_id>/report.json``."""

    student_id: str
    exercises: Mapping[str, ExerciseResult]
    late: Late | None = None

    @classmethod
    def build(cls, student_id: str, results: Mapping[str, ExerciseResult],
              days_late: int = 0, penalty: float = 0.0) -> StudentReport:
        raw = round(sum(r.score for r in results.values()), 4)
        late = Late(days_late, penalty, raw) if days_late else None
        return cls(student_id, dict(results), late)

    @property
    def raw_total(self) -> float:
        return round(sum(r.score for r in self.exercises.values()), 4)

    @property
    def total(self) -> float:
        """The score after any late penalty."""
        return round(self.raw_total * (1 - (self.late.penalty if self.late else 0.0)), 4)

    @property
    def max_total(self) -> float:
        return round(sum(r.max_score for r in self.exercises.values()), 4)

    @property
    def final(self) -> bool:
        """Every exercise's score is final (nothing waits for a regrade)."""
        return all(r.status.final for r in self.exercises.values())

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema": SCHEMA, "student_id": self.student_id, "total": self.total,
            "max_total": self.max_total,
            "exercises": {ex_id: r.to_json() for ex_id, r in self.exercises.items()},
        }
        if self.late is not None:
            data["late"] = self.late.to_json()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StudentReport:
        schema = data.get("schema", SCHEMA)
        if schema != SCHEMA:
            raise ResultsError(f"report schema {schema} is not {SCHEMA}: regrade with this concurlab")
        return cls(
            student_id=str(data["student_id"]),
            exercises={ex_id: ExerciseResult.from_json(r, ex_id)
                       for ex_id, r in data["exercises"].items()},
            late=Late.from_json(data["late"]) if data.get("late") else None,
        )


@dataclass(frozen=True)
class ClassResult:
    """A graded output folder: every student's report, in student-id order."""

    students: tuple[StudentReport, ...]
    exercise_ids: tuple[str, ...] = field(default=())

    @classmethod
    def of(cls, reports: Iterable[StudentReport]) -> ClassResult:
        students = tuple(sorted(reports, key=lambda r: r.student_id))
        ids: dict[str, None] = {}
        for rep in students:
            ids.update(dict.fromkeys(rep.exercises))
        return cls(students, tuple(ids))

    @classmethod
    def load(cls, out: Path) -> ClassResult:
        """Read ``out/<student>/report.json`` for every student; a clear error when there are none."""
        if not out.is_dir():
            raise ResultsError(f"{out}: no such folder. Fix: pass the --out folder of concurlab grade")
        reports = []
        for path in sorted(out.glob("*/report.json")):
            try:
                reports.append(StudentReport.from_json(json.loads(path.read_text(encoding="utf-8"))))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise ResultsError(f"{path}: unreadable report ({exc}). Fix: regrade this student "
                                   "with concurlab grade --force") from None
        if not reports:
            raise ResultsError(f"{out}: no graded results (no */report.json). Fix: run "
                               f"concurlab grade SUBMISSIONS --out {out} first")
        return cls.of(reports)

    def student(self, student_id: str) -> StudentReport:
        for rep in self.students:
            if rep.student_id == student_id:
                return rep
        raise KeyError(student_id)


def pass_counts(reports: Iterable[StudentReport],
                key: Callable[[TestResult], str] = lambda t: t.function
                ) -> dict[tuple[str, str], tuple[int, int]]:
    """(exercise, test key) -> (students who passed it, students it was measured for).

    Only students whose tests ran count (a missing submission says nothing about a test); a
    test the machine could not measure counts as neither; a student passes a key only when
    every case under it passed (``key`` is the function by default, ``t.name`` for cases).
    """
    counts: dict[tuple[str, str], list[int]] = {}
    for rep in reports:
        for ex_id, res in rep.exercises.items():
            if not res.status.ran:
                continue
            passed: dict[str, bool] = {}
            for t in res.tests:
                if t.outcome is not Outcome.INCONCLUSIVE:
                    passed[key(t)] = passed.get(key(t), True) and t.outcome is Outcome.PASSED
            for name, ok in passed.items():
                c = counts.setdefault((ex_id, name), [0, 0])
                c[0] += ok
                c[1] += 1
    return {k: (p, n) for k, (p, n) in counts.items()}
