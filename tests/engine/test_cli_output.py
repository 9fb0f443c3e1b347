"""The terminal gradebook: readable at 80 columns, a progress bar with a total, hard tests named."""

from __future__ import annotations

import io
from types import SimpleNamespace

from rich.console import Console

from grader.cli_output import GradebookPrinter, hard_tests
from grader.course import Course
from grader.results import ExerciseResult, Outcome, Status, StudentReport, TestResult


def _result(ex_id: str, status: Status, *outcomes: Outcome) -> ExerciseResult:
    tests = tuple(TestResult(f"test_{i}", o, 1.0 if o is Outcome.PASSED else 0.0, 1.0)
                  for i, o in enumerate(outcomes))
    return ExerciseResult(ex_id, status, sum(t.points for t in tests), float(len(tests)), tests)


def _class(course: Course) -> list[StudentReport]:
    ids = list(course.exercises)
    full = {e: _result(e, Status.GRADED, Outcome.PASSED, Outcome.PASSED) for e in ids}
    half = {e: _result(e, Status.GRADED, Outcome.PASSED, Outcome.FAILED) for e in ids}
    half[ids[0]] = _result(ids[0], Status.INCONCLUSIVE, Outcome.PASSED, Outcome.INCONCLUSIVE)
    missing = {e: _result(e, Status.NOT_SUBMITTED, Outcome.FAILED, Outcome.FAILED) for e in ids}
    return [StudentReport.build("ada", full), StudentReport.build("grace_hopper_the_second", half),
            StudentReport.build("[bold]linus\x1b[31m", missing)]


def _printer(course: Course, width: int, terminal: bool = False) -> tuple[GradebookPrinter, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=terminal, color_system=None, highlight=False)
    return GradebookPrinter(course, terminal, console), out


def test_every_cell_is_readable_at_80_columns(course: Course):
    assert len(course.exercises) >= 15, "the point is a whole course's gradebook"
    printer, out = _printer(course, 80)
    printer.table(_class(course), list(course.exercises))
    text = out.getvalue()
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
    for ex_id in course.exercises:
        assert ex_id.split("_")[0] in text
    assert "grace_hopper_the_second" in text and "1?" in text and "0!" in text
    assert "[bold]linus\\x1b[31m" in text, "a student's name is text, never markup or an escape"
    assert text.count("ada") >= 2, "each part of a wrapped gradebook names the students"


def test_a_wide_terminal_shows_one_table(course: Course):
    printer, out = _printer(course, 250)
    printer.table(_class(course), list(course.exercises))
    assert out.getvalue().count("student") == 1


def test_the_progress_bar_knows_its_total(course: Course):
    printer, out = _printer(course, 80, terminal=True)
    ex = next(iter(course.exercises.values()))
    with printer.progress() as progress:
        progress.planned(3)
        for rep in _class(course):
            job = SimpleNamespace(submission=SimpleNamespace(student_id=rep.student_id), exercise=ex)
            progress(job, rep.exercises[ex.id], False)
    last_frame = out.getvalue().split("\r")[-1]
    assert "3/3" in last_frame and "/?" not in last_frame
    assert "[bold]linus\\x1b[31m" in last_frame, "a student's name is never markup"


def test_plain_lines_off_a_terminal(course: Course):
    printer, out = _printer(course, 80)
    with printer.progress() as progress:
        progress.planned(1)  # nothing to show off a terminal, and no error
    assert out.getvalue() == ""


def test_pass_rates_name_the_tests_not_everyone_passes(course: Course):
    reports = _class(course)
    first, second = list(course.exercises)[:2]
    # test_1 of the first exercise: one pass (ada), grace's is a regrade, linus did not submit.
    assert hard_tests(reports, first) == []
    assert hard_tests(reports, second) == [("test_1", 1, 2)]
    printer, out = _printer(course, 80)
    printer.pass_rates(reports, [first, second])
    text = out.getvalue()
    assert f"{second}:" in text and "1/2 passed  test_1" in text and f"{first}:" not in text
