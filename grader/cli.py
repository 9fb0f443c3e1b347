"""The ``concurlab`` command: parsing and printing only; the work lives elsewhere."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from grader.course import CourseError, check_course_tree, load_course
from grader.student.cli import STUDENT_COMMANDS


def _course(path: str, check_tree: bool = True):
    try:
        return load_course(path, check_tree=check_tree)
    except CourseError as exc:
        raise click.UsageError(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="concurlab")
def main() -> None:
    """concurlab: grade and teach Python concurrency."""


for _name, _command in STUDENT_COMMANDS.items():  # status, list, hint, watch, pack, replay
    main.add_command(_command, _name)


@main.command()
@click.option("--course", "course_path", default="course.yml", show_default=True)
def validate(course_path: str) -> None:
    """Check course.yml and the course tree (exercises, solutions, hidden tests, mutants)."""
    course = _course(course_path, check_tree=False)
    problems = check_course_tree(course)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise SystemExit(2)
    tests = sum(len(ex.points) for ex in course.exercises.values())
    click.echo(f"{course.path}: OK ({len(course.exercises)} exercises, {tests} hidden tests, "
               f"{course.max_total():g} points)")


@main.command()
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="folder for grades.csv and per-student reports")
@click.option("--course", "course_path", default="course.yml", show_default=True)
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
              help="parallel jobs [default: usable cores]")
@click.option("--exercise", "exercises", multiple=True, help="grade only this exercise (repeatable)")
@click.option("--seed", type=int, default=0, show_default=True, help="seed for randomised checks")
@click.option("--force", is_flag=True, help="regrade everything, even unchanged work")
@click.option("--regrade-inconclusive", is_flag=True, help="rerun only inconclusive results")
@click.option("--submitted-at", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV student_id,submitted_at (ISO 8601) for the late policy")
@click.option("--require-sandbox", is_flag=True,
              help="refuse to grade unless submissions can run inside bubblewrap")
def grade(submissions: Path, out: Path, course_path: str, jobs: int | None, exercises: tuple[str, ...],
          seed: int, force: bool, regrade_inconclusive: bool, submitted_at: Path | None,
          require_sandbox: bool) -> None:
    """Grade every submission in SUBMISSIONS with the hidden tests."""
    from grader.batch import grade_class
    from grader.cli_output import GradebookPrinter
    from grader.policy import PolicyError, read_submission_times
    from grader.run import GradeOptions
    from grader.sandbox import available, unavailable_warning

    if not available():
        if require_sandbox:
            raise click.UsageError(f"--require-sandbox: {unavailable_warning()}")
        click.echo(f"warning: {unavailable_warning()}", err=True)
    course = _course(course_path)
    try:
        times = read_submission_times(submitted_at) if submitted_at else None
    except PolicyError as exc:
        raise click.BadParameter(str(exc), param_hint="--submitted-at") from None
    unknown = [e for e in exercises if e not in course.exercises]
    if unknown:
        raise click.BadParameter(f"unknown exercise {unknown[0]} (known: {', '.join(course.exercises)})",
                                 param_hint="--exercise")
    ids = list(exercises) or list(course.exercises)
    jobs = jobs or len(os.sched_getaffinity(0))
    printer = GradebookPrinter(course, sys.stdout.isatty())
    options = GradeOptions(seed=seed, **({"sandbox": "require"} if require_sandbox else {}))
    with printer.progress() as progress:
        result = grade_class(course, submissions, out, exercise_ids=ids, jobs=jobs, force=force,
                             regrade_inconclusive=regrade_inconclusive, options=options,
                             progress=progress, submitted_at=times)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    printer.table(result.reports, ids)
    click.echo(f"graded {result.graded}, reused {result.reused} unchanged; "
               f"wrote {out / 'grades.csv'} and a report per student")


@main.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--course", "course_path", default="course.yml", show_default=True)
@click.option("--force", is_flag=True, help="replace OUT if it is not empty")
def release(out: Path, course_path: str, force: bool) -> None:
    """Write the student handout to OUT (no solutions, hidden tests or mutants)."""
    from grader.release import ReleaseError
    from grader.release import release as write_handout

    course = _course(course_path)
    try:
        files = write_handout(course, out, force=force)
    except ReleaseError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"wrote {len(files)} files to {out}: {len(course.exercises)} exercises; "
               f"students run: pip install -e . && pytest exercises/")


if __name__ == "__main__":
    main()
