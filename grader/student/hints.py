"""Tiered hints, read from the '## Hints' section of an exercise README.

Each hint is a ``### Hint N`` subsection; tier 1 nudges, the last one nearly
gives the answer, so students choose how much help they take.
"""

from __future__ import annotations

import re
from pathlib import Path


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
