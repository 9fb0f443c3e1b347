"""``concurlab mutate``: the mutation table of one exercise (or all)."""

from __future__ import annotations

import os
import sys
from collections import Counter

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from grader.course import CourseError, load_course
from grader.mutate.operators import OPERATORS


@click.command()
@click.argument("exercise")
@click.option("--seeds", type=click.IntRange(1, 50), default=3, show_default=True,
              help="grade each mutant under seeds 1..N")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None, help="parallel gradings")
@click.option("--operator", "operators", multiple=True, type=click.Choice(sorted(OPERATORS)),
              help="only this operator (repeatable)")
@click.option("--course", "course_path", default="course.yml", show_default=True)
def mutate(exercise: str, seeds: int, jobs: int | None, operators: tuple[str, ...], course_path: str) -> None:
    """Generate mutants of EXERCISE's reference with concurrency operators, grade each, and
    print which test killed it or that it survived. EXERCISE is an id (`e03` is enough) or `all`.

    Exits 1 when a mutant survives or is killed under some seeds only, unless it is listed as
    equivalent (with its reason) in tests/mutants/<id>/equivalent.yml.
    """
    from grader.mutate.analysis import Verdict, analyse

    try:
        course = load_course(course_path)
    except CourseError as exc:
        raise click.UsageError(str(exc)) from None
    if exercise == "all":
        ids = list(course.exercises)
    else:
        ids = [e for e in course.exercises if e == exercise or e.split("_")[0] == exercise]
        if not ids:
            raise click.BadParameter(f"no exercise {exercise} (known: {', '.join(course.exercises)})",
                                     param_hint="EXERCISE")
    # Off a terminal (make mutate in CI logs) a long verdict must not be cut to 80 columns.
    console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
    totals: Counter[str] = Counter()
    for ex_id in ids:
        rows = analyse(course, course.exercises[ex_id], seeds=list(range(1, seeds + 1)),
                       jobs=jobs or len(os.sched_getaffinity(0)), only=set(operators) or None)
        table = Table(title=f"{ex_id}: {len(rows)} generated mutants, seeds 1-{seeds}")
        for col in ("operator", "where", "mutant"):
            table.add_column(col, no_wrap=True)
        table.add_column("verdict", overflow="fold")
        for row in rows:
            said = {Verdict.KILLED: f"killed by {', '.join(row.killed_by)}",
                    Verdict.SURVIVED: "[bold red]survived[/]",
                    Verdict.SEED_DEPENDENT: f"[bold red]seed-dependent[/]: survived seeds "
                                            f"{', '.join(map(str, row.surviving_seeds))}",
                    Verdict.EQUIVALENT: f"equivalent: {escape(row.reason)}"}[row.verdict]
            table.add_row(row.mutant.operator, row.mutant.where, row.mutant.name, said)
            totals[row.verdict] += 1
        console.print(table)
    console.print(f"{sum(totals.values())} generated: " + ", ".join(
        f"{totals[v]} {v.value}" for v in Verdict))
    if totals[Verdict.SURVIVED] or totals[Verdict.SEED_DEPENDENT]:
        raise SystemExit(1)
