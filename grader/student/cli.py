"""Student commands (they ship in the handout): status, list, hint, watch, pack, replay.

Each works from any folder of the handout and takes short ids (``e01``); inside an exercise
folder the id may be left out. ``grader.cli`` registers the same commands for instructors.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from grader.interleave.api import REPLAY_OPTION
from grader.student import pack as packing
from grader.student.hints import HintError, next_hint
from grader.student.state import HandoutState, exercises_in, find_root, module_name, resolve


def _root() -> Path:
    root = find_root(Path.cwd().resolve())
    if root is None:
        raise click.UsageError("not inside a handout: no exercises/eNN_* folder here or above. "
                               "Fix: cd into the folder you installed the handout in")
    return root


def _exercise(root: Path, given: str | None) -> str:
    found = resolve(root, given, Path.cwd().resolve())
    if found is None:
        known = ", ".join(e.split("_")[0] for e in exercises_in(root))
        what = f"no exercise {given!r}" if given else "no exercise given, and this is no exercise folder"
        raise click.UsageError(f"{what} (exercises: {known}). Fix: e.g. concurlab hint e01")
    return found


def visible_tests(root: Path, exercise_id: str | None = None, *extra: str,
                  capture: bool = False) -> subprocess.CompletedProcess:
    """Run the visible tests (one exercise, or all) with this interpreter, as a student would."""
    target = f"exercises/{exercise_id}" if exercise_id else "exercises"
    return subprocess.run([sys.executable, "-m", "pytest", target, *extra], cwd=root,
                          capture_output=capture, text=True)


def gil_line() -> str:
    probe = getattr(sys, "_is_gil_enabled", None)
    version = ".".join(map(str, sys.version_info[:3]))
    if probe is None:
        return f"Python {version}: the GIL is on (this build always has one)"
    if probe():
        return f"Python {version}: the GIL is on (threads take turns running Python code)"
    return f"Python {version}: free-threaded, the GIL is off (threads run Python code in parallel)"


@click.command()
def status() -> None:
    """Progress across exercises: passed, failing, not started; and the next one."""
    root = _root()
    state = HandoutState.load(root)
    ids = exercises_in(root)
    next_id = None
    for ex_id in ids:
        run = state.runs.get(ex_id)
        folder = root / "exercises" / ex_id
        module = folder / f"{module_name(folder)}.py"
        if run is None:
            mark = "not started"
        else:
            mark = {"passed": "passed", "failing": "FAILING"}.get(run.status, run.status)
            mark += f"  ({run.passed}/{run.total} tests)"
            if module.is_file() and module.stat().st_mtime != run.module_mtime:
                mark += "  changed since the last run"
        if next_id is None and (run is None or run.status != "passed"):
            next_id = ex_id
        click.echo(f"  {ex_id:<24} {mark}")
    click.echo("")
    done = sum(1 for e in ids if (r := state.runs.get(e)) is not None and r.status == "passed")
    click.echo(f"{done} of {len(ids)} exercises pass their visible tests.")
    if next_id:
        short = next_id.split("_")[0]
        click.echo(f"next: {next_id}: read exercises/{next_id}/README.md, then "
                   f"concurlab watch {short}  (stuck? concurlab hint {short})")
    click.echo(gil_line())


@click.command()
@click.argument("exercise", required=False)
@click.option("--level", "-l", type=click.IntRange(1, 9), default=None,
              help="show this tier instead of the next one")
def hint(exercise: str | None, level: int | None) -> None:
    """The next hint for EXERCISE (e.g. concurlab hint e01); each call shows one tier more."""
    root = _root()
    ex_id = _exercise(root, exercise)
    try:
        tier, tiers, text = next_hint(root, ex_id, level)
    except HintError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"{ex_id}, hint {tier} of {tiers}:\n")
    click.echo(text)
    if tier < tiers:
        click.echo(f"\nStill stuck? run it again: concurlab hint {ex_id.split('_')[0]}")


@click.command()
@click.argument("exercise", required=False)
@click.option("--poll", is_flag=True, help="poll for changes (network drives, WSL's /mnt/c); "
              "chosen by itself on such mounts")
def watch(exercise: str | None, poll: bool) -> None:
    """Re-run EXERCISE's visible tests each time you save; moves on when they pass.

    Keys: r re-runs, h shows the next hint, q quits.
    """
    from grader.student.watch import Watcher

    root = _root()
    ex_id = _exercise(root, exercise) if exercise or resolve(root, None, Path.cwd().resolve()) \
        else _first_unfinished(root)
    Watcher(root, ex_id, force_polling=poll or None).run()


def _first_unfinished(root: Path) -> str:
    state = HandoutState.load(root)
    ids = exercises_in(root)
    return next((e for e in ids if (r := state.runs.get(e)) is None or r.status != "passed"),
                ids[-1])


@click.command()
@click.option("--student-id", help="your id as your course knows it (asked once, then remembered)")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="the zip to write [default: STUDENT_ID.zip in the handout]")
@click.option("--no-tests", is_flag=True, help="do not run the visible tests first")
def pack(student_id: str | None, out: Path | None, no_tests: bool) -> None:
    """Build the zip to hand in: STUDENT_ID/EXERCISE/MODULE.py for each exercise."""
    root = _root()
    state = HandoutState.load(root)
    student_id = student_id or state.student_id or click.prompt("your student id")
    if not packing.STUDENT_ID.match(student_id):
        raise click.BadParameter(f"{student_id!r}: use letters, digits and . _ @ + - only",
                                 param_hint="--student-id")
    state.student_id = student_id
    state.save(root)
    if not no_tests:
        click.echo("running the visible tests once...")
        proc = visible_tests(root, None, "-q", capture=True)
        summary = [line for line in proc.stdout.splitlines() if line.strip()]
        click.echo(summary[-1] if summary else "(no output)")
    built = packing.build(root, student_id, out or root / f"{student_id}.zip")
    for warning in built.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"wrote {built.path}: {len(built.members)} modules "
               f"({', '.join(m.split('/')[1].split('_')[0] for m in built.members) or 'none'})")


@click.command()
@click.argument("exercise")
@click.argument("schedule")
def replay(exercise: str, schedule: str) -> None:
    """Run EXERCISE's visible tests with every exploration in one SCHEDULE (e.g. random:17)."""
    root = _root()
    ex_id = _exercise(root, exercise)
    raise SystemExit(visible_tests(root, ex_id, f"{REPLAY_OPTION}={schedule}").returncode)


def replay_command(exercise_id: str, schedule: str) -> str:
    """The line feedback gives a student to re-run a failing interleaving from the handout.

    For the grader's feedback writer: it needs no hidden file, only the exercise id and the
    explorer's replay token (``Result.replay``, e.g. ``random:17``).
    """
    return (f"concurlab replay {exercise_id.split('_')[0]} {schedule}   "
            "(your visible tests of this exercise, each explored in that one schedule)")


STUDENT_COMMANDS = {"status": status, "list": status, "hint": hint, "watch": watch,
                    "pack": pack, "replay": replay}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """concurlab for students: status, hint, watch, pack (run them anywhere in the handout)."""


for _name, _command in STUDENT_COMMANDS.items():
    main.add_command(_command, _name)


if __name__ == "__main__":
    main()
