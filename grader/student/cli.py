"""Student commands (they ship in the handout): ``concurlab hint``."""

from __future__ import annotations

from pathlib import Path

import click

from grader.student.hints import HintError, read_hints


@click.command()
@click.argument("exercise")
@click.option("--level", "-l", type=click.IntRange(1, 9), default=1, show_default=True,
              help="hint tier: 1 nudges, higher tiers say more")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("exercises"),
              show_default=True, help="the exercises folder")
def hint(exercise: str, level: int, root: Path) -> None:
    """Show hint LEVEL for EXERCISE (e.g. concurlab hint e01_threads_io)."""
    try:
        hints = read_hints(root, exercise)
    except HintError as exc:
        raise click.UsageError(str(exc)) from None
    level = min(level, len(hints))
    click.echo(f"{exercise}, hint {level} of {len(hints)}:\n")
    click.echo(hints[level - 1])
    if level < len(hints):
        click.echo(f"\nStill stuck? concurlab hint {exercise} --level {level + 1}")


@click.group()
def main() -> None:
    """concurlab for students."""


main.add_command(hint)
