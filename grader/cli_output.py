"""What ``concurlab grade`` prints: a progress bar on a terminal, plain lines elsewhere,
and the gradebook table at the end."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rich.console import Console
from rich.markup import escape as escape_markup
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from grader.batch import Job
from grader.course import Course
from grader.escape import terminal


class GradebookPrinter:
    def __init__(self, course: Course, interactive: bool):
        self.course = course
        self.interactive = interactive
        # Off a terminal (CI logs, `make demo | tee`) rich would assume 80 columns: a gradebook
        # of 18 exercises needs more.
        self.console = Console(highlight=False, width=None if interactive else 200)

    @contextlib.contextmanager
    def progress(self) -> Iterator:
        if not self.interactive:
            def line(job: Job, result: dict, reused: bool) -> None:
                how = "unchanged" if reused else f"{result.get('duration', 0):.1f}s"
                self.console.print(Text(terminal(f"{job.submission.student_id}/{job.exercise.id}: "
                                                 f"{result['score']:g}/{result['max_score']:g} "
                                                 f"{result['status']} ({how}){_why(result)}")))
            yield line
            return
        bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("{task.description}"), TimeElapsedColumn(), console=self.console)
        with bar:
            task = bar.add_task("", total=None)

            def tick(job: Job, result: dict, reused: bool) -> None:
                bar.update(task, advance=1, description=escape_markup(
                    terminal(f"{job.submission.student_id}/{job.exercise.id}")))
                if _why(result):
                    bar.console.print(Text(terminal(f"{job.submission.student_id}/{job.exercise.id}: "
                                                    f"{result['status']}{_why(result)}")))
            yield tick

    def table(self, reports: list[dict], exercise_ids: list[str]) -> None:
        table = Table(title=f"{self.course.name}: gradebook")
        table.add_column("student")
        for ex_id in exercise_ids:
            table.add_column(f"{ex_id.split('_', 1)[0]}\n/{self.course.exercises[ex_id].max_score:g}",
                             justify="right")
        table.add_column("total", justify="right", style="bold")
        for rep in sorted(reports, key=lambda r: r["student_id"]):
            cells = []
            for ex_id in exercise_ids:
                ex = rep["exercises"][ex_id]
                flag = {"graded": "", "inconclusive": "?"}.get(ex["status"], "!")
                cells.append(f"{ex['score']:g}{flag}")
            table.add_row(Text(terminal(rep["student_id"])), *cells, f"{rep['total']:g}/{rep['max_total']:g}")
        self.console.print(table)
        self.console.print("? inconclusive (regrade with --regrade-inconclusive); "
                           "! not submitted, syntax error, invalid, not allowed or timed out: see feedback.md")

    def attention(self, lines: list[str]) -> None:
        """Entries not graded (refused at collect time) and reports not written: loud, after
        the table, so a new instructor cannot miss them."""
        if not lines:
            return
        err = Console(stderr=True, highlight=False, width=self.console.width)
        err.print(Text(f"NEEDS ATTENTION ({len(lines)}):", style="bold red"))
        for line in lines:
            err.print(Text(f"  {terminal(line)}"))


def _why(result: dict) -> str:
    """Why nothing ran (not submitted, invalid, not allowed...): the message's first line."""
    if result["status"] in ("graded", "inconclusive") or not result.get("message"):
        return ""
    first = result["message"].splitlines()[0]
    return f": {first[:200]}"
