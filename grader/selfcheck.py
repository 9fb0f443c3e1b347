"""Does a hidden suite earn its place?  Judge one graded reference or mutant.

Shared by the meta-tests (``tests/test_meta.py``) and the repeat benchmark
(``benchmarks/repeat_grading.py``) so both hold every exercise to the same rule:
a test the machine could not measure ("inconclusive", a regrade) is never a
pass for a mutant and never lost points for a reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.batch import Job
from grader.collect import Submission, stage_path
from grader.course import Course, Exercise, mutant_may_also_fail, mutant_rejects
from grader.results import ExerciseResult, Outcome, Status

#: Outcomes that cost points.
LOST = tuple(o for o in Outcome if o.loses_points)


@dataclass(frozen=True)
class Rejects:
    """What a mutant's header promises: tests it fails every time, and tests it may fail by luck."""

    must: frozenset[str]
    may: frozenset[str] = frozenset()

    @classmethod
    def of(cls, mutant: Path) -> Rejects | None:
        """The header of a mutant file, or None for a file without ``# rejects:`` (a reference)."""
        must = mutant_rejects(mutant)
        return None if must is None else cls(frozenset(must), frozenset(mutant_may_also_fail(mutant)))


def names(result: ExerciseResult, *outcomes: Outcome) -> set[str]:
    """Test function names (parameters stripped) whose outcome is one of ``outcomes``."""
    return {t.function for t in result.tests if t.outcome in outcomes}


def summary(result: ExerciseResult) -> str:
    """One line per test: outcome, name and the start of its message."""
    return "\n".join(f"  {t.outcome:>12} {t.name}: {t.message[:300]}" for t in result.tests)


def reference_problem(result: ExerciseResult) -> str | None:
    """Why a reference's grading is wrong (lost points, nothing measured), or None."""
    if result.status not in (Status.GRADED, Status.INCONCLUSIVE):
        return f"reference {result.status}: {result.message}"
    if names(result, *LOST):
        return f"reference lost points:\n{summary(result)}"
    if len(names(result, Outcome.INCONCLUSIVE)) == len(result.tests):
        return "nothing could be measured: no proof at all"
    return None


def mutant_problem(result: ExerciseResult, expected: Rejects) -> str | None:
    """Why a mutant's grading is wrong, or None.

    It must fail at least one test, each test its ``# rejects:`` line names
    (failed or unmeasured), no other test but those its ``# may also fail:`` line
    names, and every failure needs a message.
    """
    failed, unmeasured = names(result, *LOST), names(result, Outcome.INCONCLUSIVE)
    if not failed:
        return f"not rejected by any test:\n{summary(result)}"
    if not (failed - expected.may <= expected.must <= failed | unmeasured):
        could_not = f" (could not measure {sorted(unmeasured)})" if unmeasured else ""
        return (f"should fail exactly {sorted(expected.must)}, failed {sorted(failed)}{could_not}:\n"
                f"{summary(result)}")
    silent = [t.name for t in result.tests if t.outcome is not Outcome.PASSED and not t.message]
    if silent:
        return f"{silent[0]} failed without a message"
    return None


def subjects(course: Course, ex: Exercise) -> dict[str, Rejects | None]:
    """Every subject of an exercise's self-check: the reference (None) and each mutant (its rejects)."""
    mutants = sorted(course.mutants_dir(ex).glob("*.py"))
    return {"reference": None} | {p.stem: Rejects.of(p) or Rejects(frozenset()) for p in mutants}


def job(course: Course, ex: Exercise, name: str) -> Job:
    """A grading job for one subject.

    Mutants first need no quiet machine (most are rejected by structure, and a
    timing test they cannot be timed in is a regrade, see
    :func:`needs_quiet_regrade`), so only the reference of an exercise marked
    ``exclusive`` runs alone.
    """
    if name == "reference":
        path = course.solution_dir(ex) / f"{ex.module}.py"
    else:
        path, ex = course.mutants_dir(ex) / f"{name}.py", ex.model_copy(update={"exclusive": False})
    return Job(Submission(name, path), ex, stage_path(path, ex), "")


def needs_quiet_regrade(result: ExerciseResult, expected: Rejects | None) -> bool:
    """A mutant that nothing failed only because its tests could not be measured among other jobs.

    It is graded again alone, as an instructor regrades an inconclusive result:
    on a quiet machine its tests must reject it.
    """
    return (expected is not None and not names(result, *LOST)
            and bool(names(result, Outcome.INCONCLUSIVE) & expected.must))


def problem(result: ExerciseResult, expected: Rejects | None) -> str | None:
    """What is wrong with a subject's grading (None for a reference's ``expected``), or None."""
    return reference_problem(result) if expected is None else mutant_problem(result, expected)
