"""Grade generated mutants through the real grading path and tell what killed each.

A mutant is *killed* when some hidden test loses points under every seed, *survives*
when none does under any seed, and is *seed-dependent* otherwise — a verdict that
depends on luck, which is a defect of the hidden tests just like a survivor.  Mutants
that change no observable behaviour are listed, with the reason, in the exercise's
``tests/mutants/<id>/equivalent.yml`` (reviewed like code).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import yaml

from grader.batch import Job, run_jobs
from grader.collect import Submission, stage_path
from grader.course import Course, CourseError, Exercise
from grader.mutate.generate import Mutant, mutants
from grader.results import ExerciseResult
from grader.run import GradeOptions

EQUIVALENT_FILE = "equivalent.yml"


class Verdict(StrEnum):
    KILLED = "killed"
    SURVIVED = "survived"
    SEED_DEPENDENT = "seed-dependent"
    EQUIVALENT = "equivalent"


@dataclass(frozen=True)
class Row:
    mutant: Mutant
    verdict: Verdict
    killed_by: tuple[str, ...] = ()     # tests (or a status) that rejected it, first seed that did
    surviving_seeds: tuple[int, ...] = ()
    reason: str = ""                    # for an equivalent mutant

    @property
    def problem(self) -> bool:
        return self.verdict in (Verdict.SURVIVED, Verdict.SEED_DEPENDENT)


def equivalents(course: Course, ex: Exercise) -> dict[str, str]:
    """Mutant name -> why it is equivalent, from the exercise's reviewed list."""
    path = course.mutants_dir(ex) / EQUIVALENT_FILE
    if not path.exists():
        return {}
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        return {str(e["mutant"]): str(e["reason"]) for e in entries}
    except (yaml.YAMLError, KeyError, TypeError) as exc:
        raise CourseError(f"{path}: each entry needs `mutant:` and `reason:` ({exc})") from None


def rejected_by(result: ExerciseResult) -> tuple[str, ...]:
    """The tests that lost points, or the status when nothing ran (timed out, ...)."""
    lost = sorted({t.function for t in result.tests if t.outcome.loses_points})
    if lost:
        return tuple(lost)
    return () if result.status.value in ("graded", "inconclusive") else (result.status.value,)


def analyse(course: Course, ex: Exercise, *, seeds: list[int], jobs: int = 2,
            only: set[str] | None = None) -> list[Row]:
    reference = (course.solution_dir(ex) / f"{ex.module}.py").read_text(encoding="utf-8")
    generated = mutants(reference, only)
    known = equivalents(course, ex)
    todo = [m for m in generated if m.name not in known]
    rows = [Row(m, Verdict.EQUIVALENT, reason=known[m.name]) for m in generated if m.name in known]
    with tempfile.TemporaryDirectory(prefix=f"concurlab-mutate-{ex.id}-") as tmp:
        graded: dict[str, dict[int, tuple[str, ...]]] = {m.name: {} for m in todo}
        for seed in seeds:
            batch = []
            for m in todo:
                path = Path(tmp) / f"{m.name}.py"
                path.write_text(m.source, encoding="utf-8")
                # A mutant needs no quiet machine: only the reference of a speed exercise runs alone.
                batch.append(Job(Submission(m.name, path), ex.model_copy(update={"exclusive": False}),
                                 stage_path(path, ex), ""))
            for m, result in zip(todo, run_jobs(course, batch, jobs=jobs, options=GradeOptions(seed=seed)),
                                 strict=True):
                graded[m.name][seed] = rejected_by(result)
    for m in todo:
        per_seed = graded[m.name]
        survived = tuple(s for s, by in per_seed.items() if not by)
        first = next((by for by in per_seed.values() if by), ())
        verdict = (Verdict.KILLED if not survived else
                   Verdict.SURVIVED if len(survived) == len(per_seed) else Verdict.SEED_DEPENDENT)
        rows.append(Row(m, verdict, first, survived))
    order = {m.name: i for i, m in enumerate(generated)}
    return sorted(rows, key=lambda r: order[r.mutant.name])
