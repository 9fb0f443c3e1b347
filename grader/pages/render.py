"""Render the pages: one Jinja2 environment, autoescape on, templates beside this file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jinja2 import PackageLoader

from grader.course import Course
from grader.escape import encodable, html_environment
from grader.pages import charts
from grader.report import MARKS
from grader.results import ClassResult, Outcome, Status, StudentReport, pass_counts

_ENV = html_environment(PackageLoader("grader.pages", "templates"), trim_blocks=True,
                        lstrip_blocks=True)
_ENV.globals.update(charts=charts, MARKS=MARKS, Status=Status, Outcome=Outcome)
_ENV.filters["num"] = lambda x: f"{x:g}"


def _titles(course: Course) -> Mapping[str, str]:
    return {ex_id: ex.title for ex_id, ex in course.exercises.items()}


def feedback_page(course: Course, rep: StudentReport) -> str:
    """What the student reads: per exercise the score, each test's outcome and message,
    the failing interleaving as lanes, a deadlock's cycle, speed against ideal and Amdahl."""
    unsandboxed = any(r.sandbox == "off" for r in rep.exercises.values())
    return _ENV.get_template("feedback.html.j2").render(
        course=course.name, titles=_titles(course), rep=rep, unsandboxed=unsandboxed)


@dataclass(frozen=True)
class TestRate:
    exercise: str
    test: str
    passed: int
    graded: int

    @property
    def rate(self) -> float:
        return self.passed / self.graded if self.graded else 0.0


def pass_rates(graded: ClassResult) -> list[TestRate]:
    """Per hidden test function, how many of the students whose tests ran passed it; worst first."""
    rates = [TestRate(ex, fn, p, n) for (ex, fn), (p, n) in pass_counts(graded.students).items()]
    return sorted(rates, key=lambda r: (r.rate, r.exercise, r.test))


def class_page(course: Course, graded: ClassResult, regrade_command: str) -> str:
    """The instructor's overview: score histogram, which mistakes are common, what to regrade."""
    percents = [r.total / r.max_total for r in graded.students if r.max_total]
    pending = [(rep.student_id, ex_id, res) for rep in graded.students
               for ex_id, res in rep.exercises.items()
               if not res.status.final or res.status in (Status.TIMED_OUT, Status.RESOURCE_LIMIT)]
    return _ENV.get_template("class.html.j2").render(
        course=course.name, titles=_titles(course), graded=graded,
        histogram=charts.histogram(percents), rates=pass_rates(graded), pending=pending,
        late=[r for r in graded.students if r.late is not None], regrade_command=regrade_command)


def write_pages(course: Course, out: Path, graded: ClassResult, regrade_command: str) -> list[str]:
    """``out/<student>/feedback.html`` for each student and ``out/class.html``.

    Returns what could not be written: one page failing never stops the others.
    """
    from grader.store import write_text_atomic

    problems: list[str] = []
    pages = [(out / rep.student_id / "feedback.html", lambda rep=rep: feedback_page(course, rep))
             for rep in graded.students]
    pages.append((out / "class.html", lambda: class_page(course, graded, regrade_command)))
    for path, render in pages:
        try:
            if path.parent.resolve().parent != out.resolve() and path.name != "class.html":
                raise ValueError(f"unsafe student id for a folder name: {path.parent.name!r}")
            write_text_atomic(path, encodable(render()))
        except (OSError, ValueError) as exc:
            problems.append(f"{encodable(str(path))}: page not written ({type(exc).__name__}: "
                            f"{encodable(str(exc))})")
    return problems
