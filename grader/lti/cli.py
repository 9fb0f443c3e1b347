"""``concurlab lms push``: a graded output folder's scores to an LTI 1.3 platform."""

from __future__ import annotations

from pathlib import Path

import click

from grader.course import CourseError, load_course


@click.group()
def lms() -> None:
    """Send grades to a learning platform (LTI 1.3 Assignment and Grade Services)."""


@lms.command()
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--platform", "platform_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="platform.toml: client_id, deployment_id, token_url, lineitems_url, "
                   "private_key, key_id (optional), roster")
@click.option("--course", "course_path", default="course.yml", show_default=True)
def push(out: Path, platform_path: Path, course_path: str) -> None:
    """Post every student's score per exercise and in total to the platform's line items.

    Resumable: what was pushed is recorded in OUT/.lti/, so a rerun sends only what changed
    or what an interrupted run left unconfirmed.
    """
    from grader.lti.client import Client, PlatformError
    from grader.lti.push import push_class
    from grader.lti.settings import SettingsError, load_platform
    from grader.results import ClassResult, ResultsError

    try:
        course = load_course(course_path)
        graded = ClassResult.load(out)
        platform = load_platform(platform_path)
    except (CourseError, ResultsError, SettingsError) as exc:
        raise click.ClickException(str(exc)) from None
    client = Client(platform)
    try:
        summary = push_class(course, graded, platform, client, out / ".lti" / "pushes.jsonl")
    except PlatformError as exc:
        raise click.ClickException(f"{exc}\nWhat was sent before this is recorded; rerun to resume.") from None
    finally:
        client.close()
    if summary.created:
        click.echo(f"created line items: {', '.join(summary.created)}")
    if summary.not_on_roster:
        click.echo(f"not on the roster, not pushed: {', '.join(summary.not_on_roster)}", err=True)
    if summary.never_graded:
        click.echo(f"on the roster but never graded: {', '.join(summary.never_graded)}", err=True)
    click.echo(f"pushed {summary.pushed} scores, {summary.unchanged} unchanged since the last push"
               + (f", {summary.retries} requests retried" if summary.retries else ""))
