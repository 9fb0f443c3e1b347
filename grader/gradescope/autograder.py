"""What ``run_autograder`` runs inside Gradescope's container, for one submission.

Reads ``<root>/submission`` and ``<root>/submission_metadata.json`` (the
submission time for the late policy), grades the course in
``<root>/source/course`` with concurlab (inconclusive results are retried once,
since a busy container is the usual cause), and writes
``<root>/results/results.json`` in Gradescope's format.  The sandbox choice is
explicit: ``auto`` resolves to bubblewrap where it runs and says so when it
cannot.  If grading itself fails, no results.json is written: Gradescope then
shows the autograder failed (a regrade), never a zero the student did not earn.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from grader import sandbox
from grader.course import Course, load_course
from grader.export.gradescope_json import VISIBILITY, results_json
from grader.gradescope.submission import find_modules, stage
from grader.results import ClassResult, Status

STUDENT = "submission"


def submission_time(metadata: Path) -> tuple[datetime | None, datetime | None, str]:
    """(submitted at, Gradescope's due date, a note) from submission_metadata.json."""
    if not metadata.is_file():
        return None, None, f"no {metadata.name}: no late policy applied"
    try:
        data = json.loads(metadata.read_text(encoding="utf-8"))
        created = datetime.fromisoformat(data["created_at"])
        due = (data.get("assignment") or {}).get("due_date")
        due_at = datetime.fromisoformat(due) if due else None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return None, None, f"{metadata.name} unreadable ({exc}): no late policy applied"
    return _utc(created), _utc(due_at) if due_at else None, ""


def _utc(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def resolve_sandbox(choice: str) -> tuple[str, str]:
    """The explicit mode passed to grading, and a note for the output."""
    if choice == "auto":
        choice = "require" if sandbox.available() else "off"
        if choice == "off":
            return "off", "bubblewrap cannot run in this container: graded with process limits only"
    return choice, "" if choice == "require" else "sandbox off (chosen): process limits only"


def grade_submission(course: Course, root: Path, mode: str, visibility: str) -> dict:
    from grader.batch import grade_class
    from grader.run import GradeOptions

    submitted, due, note = submission_time(root / "submission_metadata.json")
    if course.policies.deadline is None and due is not None:
        course.policies = course.policies.model_copy(update={"deadline": due})
    found = find_modules(course, root / "submission")
    notes = [n for n in (note,) if n] + found.notes
    missing = [e for e in course.exercises if e not in found.modules]
    if missing:
        seen = ", ".join(found.seen[:20]) or "no .py file at all"
        notes.append(f"not found: {', '.join(f'{e}/{course.exercises[e].module}.py' for e in missing)}"
                     f" (the submission holds: {seen})")
    with tempfile.TemporaryDirectory(prefix="concurlab-gradescope-") as tmp:
        subs, out = Path(tmp) / "subs", Path(tmp) / "out"
        stage(found, course, subs / STUDENT)
        kwargs = dict(exercise_ids=list(course.exercises), jobs=len(os.sched_getaffinity(0)),
                      options=GradeOptions(sandbox=mode),
                      submitted_at={STUDENT: submitted} if submitted else None)
        grade_class(course, subs, out, **kwargs)
        report = ClassResult.load(out).student(STUDENT)
        if any(r.status is Status.INCONCLUSIVE for r in report.exercises.values()):
            notes.append("some results were inconclusive: regraded once")
            grade_class(course, subs, out, regrade_inconclusive=True, **kwargs)
            report = ClassResult.load(out).student(STUDENT)
    doc = results_json(report, course, visibility)
    doc["output"] = "\n".join([doc["output"], *notes])
    return doc


@click.command()
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("/autograder"),
              show_default=True, help="Gradescope's /autograder (moved for tests)")
@click.option("--sandbox", "choice", type=click.Choice(["auto", "require", "off"]), default="auto",
              show_default=True)
@click.option("--visibility", type=click.Choice(VISIBILITY), default="visible", show_default=True)
def main(root: Path, choice: str, visibility: str) -> None:
    started = time.monotonic()
    course = load_course(root / "source" / "course" / "course.yml")
    mode, note = resolve_sandbox(choice)
    print(f"concurlab autograder: engine {Path(sandbox.__file__).parent}, sandbox {mode}"
          + (f" ({note})" if note else ""), flush=True)
    doc = grade_submission(course, root, mode, visibility)
    doc["execution_time"] = round(time.monotonic() - started)
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(doc["output"], flush=True)
    print(f"wrote {results}: {doc['score']:g}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
