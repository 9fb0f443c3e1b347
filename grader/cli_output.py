"""What ``concurlab grade`` prints: a progress bar on a terminal, plain lines elsewhere,
the gradebook table at the end, and which tests the class finds hard."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from grader.batch import Job
from grader.course import Course
from grader.escape import terminal
from grader.results import ExerciseResult, Status, StudentReport, pass_counts

#: Cell flags: "" for a final grade, "?" for a pending one, "!" when the tests did not all run.
_FLAGS = {Status.GRADED: "", Status.INCONCLUSIVE: "?"}
#: Padding and rule around each cell of the compact table.
_CELL_FRAME = 3


def plain(text: str) -> Text:
    """Untrusted text (a folder name, a test's message) as terminal text: no markup, no escapes."""
    return Text(terminal(text))


@dataclass
class ProgressLine:
    """What the batch reports to while it grades: how many jobs, then each one as it ends."""

    printer: GradebookPrinter
    bar: Progress | None = None
    task: int | None = None

    def planned(self, total: int) -> None:
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, total=total)

    def __call__(self, job: Job, result: ExerciseResult, reused: bool) -> None:
        where = f"{job.submission.student_id}/{job.exercise.id}"
        if self.bar is not None and self.task is not None:
            self.bar.update(self.task, advance=1, description=plain(where).plain)
            if _why(result):
                self.bar.console.print(plain(f"{where}: {result.status}{_why(result)}"))
            return
        how = "unchanged" if reused else f"{result.duration:.1f}s"
        self.printer.console.print(plain(f"{where}: {result.score:g}/{result.max_score:g} "
                                         f"{result.status} ({how}){_why(result)}"))


class GradebookPrinter:
    def __init__(self, course: Course, interactive: bool, console: Console | None = None):
        self.course = course
        self.interactive = interactive
        # Off a terminal (CI logs, `make demo | tee`) rich would assume 80 columns: a gradebook
        # of 18 exercises needs more.
        self.console = console or Console(highlight=False, width=None if interactive else 200)

    @contextlib.contextmanager
    def progress(self) -> Iterator[ProgressLine]:
        if not self.interactive:
            yield ProgressLine(self)
            return
        bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("{task.description}", markup=False), TimeElapsedColumn(), console=self.console)
        with bar:
            yield ProgressLine(self, bar, bar.add_task("", total=None))

    def table(self, reports: Sequence[StudentReport], exercise_ids: Sequence[str]) -> None:
        """The gradebook, split into as many tables as the terminal's width needs."""
        students = sorted(reports, key=lambda r: r.student_id)
        headers = {e: f"{e.split('_', 1)[0]}\n/{self.course.exercises[e].max_score:g}"
                   for e in exercise_ids}
        cells = {e: [_cell(rep.exercises[e]) for rep in students] for e in exercise_ids}
        totals = [f"{rep.total:g}/{rep.max_total:g}" for rep in students]
        names = [plain(rep.student_id) for rep in students]
        fixed = (_width(["student", *(n.plain for n in names)])
                 + _width(["total", *totals]) + 2 * _CELL_FRAME + 1)
        title = f"{self.course.name}: gradebook"
        for part in _pack(exercise_ids, {e: _width([*headers[e].split("\n"), *cells[e]]) + _CELL_FRAME
                                         for e in exercise_ids}, self.console.width - fixed):
            table = Table(title=title, box=box.SIMPLE_HEAD, padding=(0, 1), collapse_padding=True)
            title = None
            table.add_column("student", no_wrap=True)
            for ex_id in part:
                table.add_column(headers[ex_id], justify="right", no_wrap=True)
            table.add_column("total", justify="right", style="bold", no_wrap=True)
            for i, name in enumerate(names):
                table.add_row(name, *(cells[e][i] for e in part), totals[i])
            self.console.print(table)
        self.console.print("? inconclusive (regrade with --regrade-inconclusive); "
                           "! not submitted, syntax error, invalid, not allowed or timed out: see feedback.md")

    def pass_rates(self, reports: Sequence[StudentReport], exercise_ids: Sequence[str]) -> None:
        """Per exercise, the tests not every student passes: the mistakes the class makes."""
        lines = []
        for ex_id in exercise_ids:
            rates = hard_tests(reports, ex_id)
            if rates:
                lines.append(Text(f"{ex_id}:", style="bold"))
                lines += [plain(f"  {passed}/{total} passed  {name}") for name, passed, total in rates]
        if lines:
            self.console.print("tests not every student passes:")
            for line in lines:
                self.console.print(line)

    def attention(self, lines: list[str]) -> None:
        """Entries not graded (refused at collect time) and reports not written: loud, after
        the table, so a new instructor cannot miss them."""
        if not lines:
            return
        err = Console(stderr=True, highlight=False, width=self.console.width)
        err.print(Text(f"NEEDS ATTENTION ({len(lines)}):", style="bold red"))
        for line in lines:
            err.print(plain(f"  {line}"))


def _why(result: ExerciseResult) -> str:
    """Why nothing ran (not submitted, invalid, not allowed...): the message's first line."""
    if result.status.ran or not result.message:
        return ""
    return f": {result.message.splitlines()[0][:200]}"


def hard_tests(reports: Sequence[StudentReport], exercise_id: str) -> list[tuple[str, int, int]]:
    """(test, students who passed it, students graded) for tests fewer than all pass, hardest first.

    Only students whose tests ran count (a missing submission says nothing about a test), and
    a test the machine could not measure counts as neither: it is left out of that test's total.
    """
    counts = pass_counts(reports, key=lambda t: t.name)
    rates = [(name, p, n) for (ex, name), (p, n) in counts.items() if ex == exercise_id and p < n]
    return sorted(rates, key=lambda r: r[1] / r[2])


def _cell(result: ExerciseResult) -> str:
    return f"{result.score:g}{_FLAGS.get(result.status, '!')}"


def _width(texts: Sequence[str]) -> int:
    return max(len(t) for t in texts)


def _pack(ids: Sequence[str], widths: dict[str, int], room: int) -> list[list[str]]:
    """Exercise columns in order, as few groups as fit ``room`` columns each (one at least)."""
    parts: list[list[str]] = [[]]
    used = 0
    for ex_id in ids:
        if parts[-1] and used + widths[ex_id] > room:
            parts.append([])
            used = 0
        parts[-1].append(ex_id)
        used += widths[ex_id]
    return parts
