"""Generated mutants of a fixed sample of exercises are all killed (the rest: `make mutate`).

The sample is an explorer exercise, where a lock removed must be caught, kept to one so the
suite stays short; `make mutate` runs every exercise under 3 seeds (about 31 minutes on 2
cores), and every generated mutant there is killed or listed as equivalent.
"""

from __future__ import annotations

import pytest

from grader.mutate.analysis import EQUIVALENT_FILE, Verdict, analyse, equivalents
from grader.mutate.generate import mutants
from tests.test_meta import COURSE

SAMPLE = ["e03_race_counter"]


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("exercise_id", SAMPLE)
def test_every_generated_mutant_is_killed(exercise_id):
    rows = analyse(COURSE, COURSE.exercises[exercise_id], seeds=[1], jobs=2)
    assert rows, "the operators found nothing to mutate"
    bad = [f"{r.mutant.name} ({r.mutant.where}): {r.verdict.value}" for r in rows
           if r.verdict in (Verdict.SURVIVED, Verdict.SEED_DEPENDENT)]
    assert not bad, "generated mutants the hidden tests do not reject:\n" + "\n".join(bad)


@pytest.mark.parametrize("exercise_id", list(COURSE.exercises))
def test_equivalent_lists_name_generated_mutants(exercise_id):
    """A reviewed "equivalent" entry that names no generated mutant is stale: the reference moved."""
    ex = COURSE.exercises[exercise_id]
    reference = (COURSE.solution_dir(ex) / f"{ex.module}.py").read_text(encoding="utf-8")
    generated = {m.name for m in mutants(reference)}
    stale = sorted(set(equivalents(COURSE, ex)) - generated)
    assert not stale, (f"{COURSE.mutants_dir(ex) / EQUIVALENT_FILE} lists {', '.join(stale)}, "
                       "which the operators no longer generate: review the list again")
