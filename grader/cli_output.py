"""What ``concurlab grade`` prints: a progress bar on a terminal, plain lines elsewhere,
and the gradebook table at the end."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from grader.batch import Job
from grader.course import Course


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
                self.console.print(f"{job.submission.student_id}/{job.exercise.id}: "
                                   f"{result['score']:g}/{result['max_score']:g} "
                                   f"{result['status']} ({how})")
            yield line
            return
        bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("{task.description}"), TimeElapsedColumn(), console=self.console)
        with bar:
            task = bar.add_task("", total=None)

            def tick(job: Job, result: dict, reused: bool) -> None:
                bar.update(task, advance=1,
                           description=f"{job.submission.student_id}/{job.exercise.id}")
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
            table.add_row(rep["student_id"], *cells, f"{rep['total']:g}/{rep['max_total']:g}")
        self.console.print(table)
        self.console.print("? inconclusive (regrade with --regrade-inconclusive); "
                           "! not submitted, syntax error, invalid or timed out: see feedback.md")
