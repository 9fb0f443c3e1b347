"""Contracts the import graph cannot see, checked by reading the source tree."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import ROOT

GRADER = ROOT / "grader"
#: The wire modules: their to_json / from_json are the only code that spells the keys.
WIRE_MODULES = ("grader/results.py", "grader/driver/records.py")
#: Keys of a grading result read or written as a dict: only results.py spells them.
RESULT_KEYS = ("outcome", "status", "score", "max_score", "points", "max_points", "tests",
               "max_total", "total_before_penalty")
_KEYS = "|".join(RESULT_KEYS)
RESULT_DICT_ACCESS = re.compile(rf"""\[\s*["'](?:{_KEYS})["']\s*\]|\.get\(\s*["'](?:{_KEYS})["']""")


def _sources(root: Path, *, skip: tuple[str, ...] = ()) -> list[Path]:
    return [p for p in sorted(root.rglob("*.py"))
            if str(p.relative_to(ROOT)) not in skip and "__pycache__" not in p.parts]


def test_the_pattern_finds_dict_access():
    found = [s for s in ('r["outcome"]', "t['points']", 'x.get("status", "")', "rep[ 'tests' ]")
             if RESULT_DICT_ACCESS.search(s)]
    assert len(found) == 4 and not RESULT_DICT_ACCESS.search("result.outcome")


def test_no_grading_result_is_a_bare_dict_outside_results_py():
    offenders = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
                 for path in _sources(GRADER, skip=WIRE_MODULES)
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if RESULT_DICT_ACCESS.search(line)]
    assert not offenders, "use grader.results types, not dicts:\n" + "\n".join(offenders)
