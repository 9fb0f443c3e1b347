"""What every format shows per (student, exercise): raw, penalty, final, status, feedback.

The late penalty is a fraction of the whole score, so it applies to each
exercise alike.  A score that may change on a regrade has no final value
(``None``): formats show it pending, never as a final zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from grader.results import ExerciseResult, Outcome, Status, StudentReport

MARKS = {Outcome.PASSED: "PASS", Outcome.FAILED: "FAIL", Outcome.ERROR: "ERROR",
         Outcome.SKIPPED: "SKIP", Outcome.INCONCLUSIVE: "REGRADE"}
#: Feedback longer than this is cut (an LMS cell is no place for a traceback).
MAX_FEEDBACK = 2000


@dataclass(frozen=True)
class Grade:
    raw: float
    max: float
    penalty: float        # points taken for lateness
    final: float | None   # None while a regrade is pending
    status: str

    @property
    def pending(self) -> bool:
        return self.final is None


def penalty_fraction(rep: StudentReport) -> float:
    return rep.late.penalty if rep.late else 0.0


def status_label(status: Status) -> str:
    return status.value if status.final else f"pending regrade ({status.value})"


def exercise_grade(rep: StudentReport, ex: ExerciseResult) -> Grade:
    after = round(ex.score * (1 - penalty_fraction(rep)), 4)
    return Grade(ex.score, ex.max_score, round(ex.score - after, 4),
                 after if ex.status.final else None, status_label(ex.status))


def total_grade(rep: StudentReport) -> Grade:
    pending = [e for e in rep.exercises.values() if not e.status.final]
    status = (f"pending regrade ({len(pending)} exercise{'s' * (len(pending) > 1)})" if pending
              else "late" if rep.late else "graded")
    return Grade(rep.raw_total, rep.max_total, round(rep.raw_total - rep.total, 4),
                 None if pending else rep.total, status)


def late_note(rep: StudentReport) -> str:
    if rep.late is None:
        return ""
    return (f"Submitted {rep.late.days} day(s) late: {rep.late.penalty:.0%} taken "
            f"({rep.raw_total:g} -> {rep.total:g}).")


def test_line(test) -> str:
    line = f"{MARKS[test.outcome]} {test.name} ({test.points:g}/{test.max_points:g})"
    if test.outcome is Outcome.INCONCLUSIVE:
        line += ": the machine could not measure this; pending a regrade, not lost"
    elif test.outcome is not Outcome.PASSED and test.message:
        line += ": " + test.message.strip().splitlines()[0]
    return line


def feedback(rep: StudentReport, ex: ExerciseResult) -> str:
    """One exercise's feedback as plain text: status, lateness, and every test not passed."""
    grade = exercise_grade(rep, ex)
    lines = [f"{ex.exercise}: {ex.score:g}/{ex.max_score:g}, {grade.status}"
             + (f": {ex.message}" if ex.message and not ex.status.ran else "")]
    if rep.late:
        lines.append(late_note(rep))
    if ex.status.ran:
        lines += [test_line(t) for t in ex.tests if t.outcome is not Outcome.PASSED]
    text = "\n".join(lines)
    return text if len(text) <= MAX_FEEDBACK else text[:MAX_FEEDBACK - 1] + "…"
