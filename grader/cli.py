"""The ``concurlab`` command: parsing and printing only; the work lives elsewhere."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.course import CourseError, check_course_tree, load_course, unlisted_exercise_folders
from grader.lti.cli import lms
from grader.mutate.cli import mutate
from grader.student.cli import STUDENT_COMMANDS


class Refused(click.ClickException):
    """Bad input, not bad syntax: one line with the fix, exit code 2, no "Usage:" block."""

    exit_code = 2


def _course(path: str, check_tree: bool = True):
    try:
        return load_course(path, check_tree=check_tree)
    except CourseError as exc:
        raise Refused(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="concurlab")
def main() -> None:
    """concurlab: grade and teach Python concurrency."""


for _name, _command in STUDENT_COMMANDS.items():  # status, list, hint, watch, pack, replay
    main.add_command(_command, _name)
main.add_command(lms)
main.add_command(mutate)


@main.command()
@click.option("--course", "course_path", default="course.yml", show_default=True)
def validate(course_path: str) -> None:
    """Check course.yml and the course tree (exercises, solutions, hidden tests, mutants)."""
    course = _course(course_path, check_tree=False)
    problems = check_course_tree(course) + unlisted_exercise_folders(course)
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
@click.option("--regrade-inconclusive", is_flag=True,
              help="rerun only results that wait for a regrade (inconclusive, grader error)")
@click.option("--submitted-at", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV student_id,submitted_at (ISO 8601) for the late policy")
@click.option("--no-sandbox", is_flag=True,
              help="grade without bubblewrap (process-level limits only; every report says so)")
@click.option("--cluster", metavar="tcp://HOST:PORT|local:N",
              help="grade on a Dask cluster (a scheduler's address, or N workers on this machine)")
@click.option("--nbgrader-db", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="also write the grades into this nbgrader gradebook (needs --assignment)")
@click.option("--assignment", default=None, help="the nbgrader assignment name for --nbgrader-db")
def grade(submissions: Path, out: Path, course_path: str, jobs: int | None, exercises: tuple[str, ...],
          seed: int, force: bool, regrade_inconclusive: bool, submitted_at: Path | None,
          no_sandbox: bool, cluster: str | None, nbgrader_db: Path | None, assignment: str | None) -> None:
    """Grade every submission in SUBMISSIONS with the hidden tests."""
    from grader import sandbox
    from grader.batch import grade_class
    from grader.cli_output import GradebookPrinter
    from grader.cluster import ClusterError
    from grader.collect import CollectError
    from grader.policy import PolicyError, read_submission_times
    from grader.run import GradeOptions
    from grader.speedup.cpus import usable_cores

    no_sandbox = no_sandbox or sandbox.mode() == "off"
    if not no_sandbox and not sandbox.available():
        raise Refused(sandbox.unavailable_warning())
    if no_sandbox:
        click.echo(f"warning: {sandbox.unsandboxed_banner()}", err=True)
    if nbgrader_db and not assignment:
        raise click.UsageError("--nbgrader-db needs --assignment NAME (the nbgrader assignment)")
    if out.resolve() == submissions.resolve() or submissions.resolve() in out.resolve().parents:
        raise Refused(f"--out {out} is inside the submissions folder {submissions}: reports would be "
                       "read back as submissions. Fix: pass an --out folder outside it")
    course = _course(course_path)
    if submitted_at and course.policies.deadline is None:
        raise click.ClickException(
            f"--submitted-at {submitted_at}: {course.path} sets no policies.deadline, so nobody "
            "can be late. Fix: set policies.deadline in course.yml, or drop --submitted-at")
    try:
        times = read_submission_times(submitted_at) if submitted_at else None
    except PolicyError as exc:
        raise click.BadParameter(str(exc), param_hint="--submitted-at") from None
    unknown = [e for e in exercises if e not in course.exercises]
    if unknown:
        raise click.BadParameter(f"unknown exercise {unknown[0]} (known: {', '.join(course.exercises)})",
                                 param_hint="--exercise")
    ids = list(exercises) or list(course.exercises)
    jobs = jobs or usable_cores()
    printer = GradebookPrinter(course, sys.stdout.isatty())
    options = GradeOptions(seed=seed, sandbox="off" if no_sandbox else "require")
    try:
        with printer.progress() as progress:
            result = grade_class(course, submissions, out, exercise_ids=ids, jobs=jobs, force=force,
                                 regrade_inconclusive=regrade_inconclusive, options=options,
                                 progress=progress, on_planned=progress.planned, submitted_at=times,
                                 cluster=cluster)
    except CollectError as exc:
        raise Refused(str(exc)) from None
    except ClusterError as exc:
        raise click.ClickException(f"{exc}\nFinished results are stored: rerun to resume.") from None
    printer.table(result.reports, ids)
    printer.pass_rates(result.reports, ids)
    printer.attention(result.warnings)
    if result.cluster is not None:
        per_worker = ", ".join(f"{w}: {n}" for w, n in sorted(result.cluster.per_worker.items()))
        slowest = ", ".join(f"{name} {secs:.0f}s" for name, secs in result.cluster.slowest)
        click.echo(f"cluster: jobs per worker {per_worker}; {result.cluster.rescheduled} rescheduled "
                   f"after a lost worker; slowest {slowest}")
    if no_sandbox:
        click.echo(f"warning: {sandbox.unsandboxed_banner()}", err=True)
    click.echo(f"graded {result.graded}, reused {result.reused} unchanged; "
               f"wrote {out / 'grades.csv'} and a report per student")
    if nbgrader_db:
        _write_nbgrader(course, out, nbgrader_db, assignment)


def _write_nbgrader(course, out: Path, db: Path, assignment: str) -> None:
    from grader.export import Export, ExportError
    from grader.export.nbgrader_db import write_gradebook
    from grader.export.roster import Roster, RosterError
    from grader.results import ClassResult, ResultsError

    try:
        roster = Roster.read(course.roster_path) if course.roster_path else None
        warnings = write_gradebook(Export(ClassResult.load(out), course, roster), db, assignment)
    except (ExportError, RosterError, ResultsError) as exc:
        raise click.ClickException(str(exc)) from None
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"wrote the grades into {db} (nbgrader assignment {assignment})")


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


@main.command("export")
@click.argument("out", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", required=True, metavar="FORMAT",
              help="canvas, moodle, gradescope-json, junit or csv")
@click.option("--output", type=click.Path(path_type=Path), required=True,
              help="the file (or, for junit and gradescope-json, the folder) to write")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV with student_id and LMS identities [default: roster: in course.yml]")
@click.option("--match", type=click.Choice(["username", "email", "idnumber"]), default="username",
              show_default=True, help="moodle: the identifier Moodle maps users by")
@click.option("--course", "course_path", default="course.yml", show_default=True)
def export_grades(out: Path, fmt: str, output: Path, roster: Path | None, match: str,
                  course_path: str) -> None:
    """Write the grades of a graded folder DIR (concurlab grade --out) for an LMS or CI."""
    from grader.export import Export, ExportError, export, get_format
    from grader.export.roster import Roster, RosterError
    from grader.results import ClassResult, ResultsError

    course = _course(course_path, check_tree=False)
    try:
        get_format(fmt)  # before reading anything: a typo is the first thing to hear about
        results = ClassResult.load(out)
        roster_path = roster or course.roster_path
        people = Roster.read(roster_path) if roster_path else None
        warnings = export(fmt, Export(results, course, people, match), output)
    except (ExportError, RosterError, ResultsError) as exc:
        raise click.ClickException(str(exc)) from None
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"wrote {output} ({fmt}): {len(results.students)} students graded, "
               f"{len(warnings)} warning(s)")


@main.group()
def gradescope() -> None:
    """Gradescope: build the autograder zip."""


@gradescope.command("build")
@click.argument("out", metavar="OUT.zip", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--course", "course_path", default="course.yml", show_default=True)
@click.option("--exercise", "exercises", multiple=True,
              help="an exercise this assignment grades (repeatable) [default: all]")
def gradescope_build(out: Path, course_path: str, exercises: tuple[str, ...]) -> None:
    """Write a Gradescope autograder zip (setup.sh, run_autograder, engine, hidden tests)."""
    from grader.gradescope import BuildError, build

    course = _course(course_path)
    try:
        names = build(course, out, list(exercises) or list(course.exercises))
    except BuildError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {out}: {len(names)} files, {len(exercises) or len(course.exercises)} "
               "exercises; upload it as the assignment's autograder (Ubuntu 22.04+ base image)")


@main.group()
def nbgrader() -> None:
    """nbgrader: the course as an nbgrader course (needs the lms extra)."""


@nbgrader.command("build")
@click.argument("folder", metavar="COURSE_DIR", type=click.Path(path_type=Path))
@click.option("--course", "course_path", default="course.yml", show_default=True)
@click.option("--assignment", default="concurlab", show_default=True,
              help="the nbgrader assignment (one notebook per exercise)")
@click.option("--exercise", "exercises", multiple=True, help="only this exercise (repeatable)")
@click.option("--force", is_flag=True, help="replace COURSE_DIR if it is not empty")
def nbgrader_build(folder: Path, course_path: str, assignment: str, exercises: tuple[str, ...],
                   force: bool) -> None:
    """Write an nbgrader course: source/ASSIGNMENT/<exercise>.ipynb for each exercise."""
    try:
        from grader.nbgrader_build import NbgraderBuildError, build
    except ImportError:
        raise click.ClickException("nbgrader is not installed. Fix: pip install 'concurlab[lms]'") from None
    course = _course(course_path)
    try:
        files = build(course, folder, assignment, list(exercises) or list(course.exercises),
                      force=force)
    except NbgraderBuildError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {folder}: {len(files) - 1} notebooks in source/{assignment}; next: cd {folder} "
               f"&& nbgrader generate_assignment {assignment}")


if __name__ == "__main__":
    main()
