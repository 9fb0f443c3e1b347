"""Tiered hints, read from the '## Hints' section of an exercise README.

Each hint is a ``### Hint N`` subsection: tier 1 nudges, tier 2 teaches the concept, the
last shows a worked wrong attempt and why it fails; none hands over the answer.
"""

from __future__ import annotations

import re
from pathlib import Path

from grader.student.state import HandoutState


class HintError(Exception):
    pass


def read_hints(root: Path, exercise: str) -> list[str]:
    readme = root / exercise / "README.md"
    if not readme.is_file():
        known = sorted(p.name for p in root.glob("e[0-9][0-9]_*") if p.is_dir())
        raise HintError(f"no exercise {exercise} in {root}/ (exercises: {', '.join(known) or 'none'})")
    text = readme.read_text(encoding="utf-8")
    section = re.split(r"^## Hints\s*$", text, maxsplit=1, flags=re.M)
    if len(section) < 2:
        raise HintError(f"{readme} has no '## Hints' section")
    body = re.split(r"^## ", section[1], maxsplit=1, flags=re.M)[0]
    hints = [h.strip() for h in re.split(r"^### Hint \d+.*$", body, flags=re.M)[1:]]
    if not hints:
        raise HintError(f"{readme}: '## Hints' has no '### Hint 1' subsection")
    return hints


def next_hint(root: Path, exercise: str, level: int | None = None) -> tuple[int, int, str]:
    """(tier, tiers, text): the next tier not yet shown (or ``level``), remembered in the handout."""
    hints = read_hints(root / "exercises", exercise)
    state = HandoutState.load(root)
    shown = state.hints_shown.get(exercise, 0)
    tier = min(level or shown + 1, len(hints))
    state.hints_shown[exercise] = max(shown, tier)
    state.save(root)
    return tier, len(hints), hints[tier - 1]
