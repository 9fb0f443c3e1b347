"""The handout's memory: the last visible-test result of each exercise, and hints shown.

One small JSON file, ``.concurlab/state.json`` at the handout's root, written by the
progress plugin after each run and by ``concurlab hint``; read by ``concurlab status``.
A missing or damaged file is an empty state: it only ever costs a re-run.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

EXERCISE_DIR = re.compile(r"^e\d\d_[a-z0-9_]+$")
STATE_FILE = Path(".concurlab") / "state.json"


@dataclass
class ExerciseRun:
    """One exercise's visible tests, as last run: ``status`` is passed, failing or not started."""

    status: str
    passed: int
    total: int
    module_mtime: float = 0.0


@dataclass
class HandoutState:
    runs: dict[str, ExerciseRun] = field(default_factory=dict)
    hints_shown: dict[str, int] = field(default_factory=dict)
    student_id: str | None = None

    @classmethod
    def load(cls, root: Path) -> HandoutState:
        try:
            data = json.loads((root / STATE_FILE).read_text(encoding="utf-8"))
            return cls(runs={k: ExerciseRun(**v) for k, v in data.get("runs", {}).items()},
                       hints_shown={k: int(v) for k, v in data.get("hints_shown", {}).items()},
                       student_id=data.get("student_id"))
        except (OSError, ValueError, TypeError, AttributeError):
            return cls()

    def save(self, root: Path) -> None:
        """Written atomically: a run killed half-way never leaves a damaged file."""
        path = root / STATE_FILE
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"runs": {k: asdict(v) for k, v in self.runs.items()},
                                   "hints_shown": self.hints_shown,
                                   "student_id": self.student_id}, indent=1), encoding="utf-8")
        os.replace(tmp, path)


def exercises_in(root: Path) -> list[str]:
    """The exercise folders of a handout, in teaching order (their ids sort that way)."""
    folder = root / "exercises"
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and EXERCISE_DIR.match(p.name))


def find_root(start: Path) -> Path | None:
    """The handout's root: the nearest folder at or above ``start`` with ``exercises/eNN_*``."""
    for folder in [start, *start.parents]:
        if (folder / "exercises").is_dir() and exercises_in(folder):
            return folder
    return None


def module_name(folder: Path) -> str | None:
    """The module a student completes in an exercise folder: ``test_bank.py`` tests ``bank``."""
    tests = sorted(folder.glob("test_*.py"))
    return tests[0].stem.removeprefix("test_") if tests else None


def resolve(root: Path, given: str | None, here: Path) -> str | None:
    """An exercise id from a full id, a short one (``e01``) or, when None, the folder ``here``."""
    known = exercises_in(root)
    if given is None:
        for folder in [here, *here.parents]:
            if folder.name in known and folder.parent == root / "exercises":
                return folder.name
        return None
    matches = [e for e in known if e == given or e.split("_")[0] == given or e.startswith(given)]
    return matches[0] if len(matches) == 1 else None
