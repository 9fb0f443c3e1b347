"""Per-job results on disk: written atomically, read back to resume.

``OUT/.results/<student>/<exercise>.json`` holds one result and the
fingerprint of what produced it (the submitted module, the hidden tests, the
exercise's settings).  A rerun skips jobs whose fingerprint is unchanged, so a
grader killed half way loses nothing it finished, and a changed submission or
test is regraded without ``--force``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from grader.results import ExerciseResult


def write_text_atomic(path: Path, text: str) -> None:
    """Write to a temp file in the same folder, fsync, then rename over the target.

    A crash leaves the old file or the new one, never half of one; a failed
    write leaves no temp file behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: object) -> None:
    write_text_atomic(path, json.dumps(data, indent=2))


class Store:
    def __init__(self, out: Path):
        self.root = out / ".results"

    def _path(self, student_id: str, exercise_id: str) -> Path:
        return self.root / student_id / f"{exercise_id}.json"

    def get(self, student_id: str, exercise_id: str,
            fingerprint: str | None = None) -> ExerciseResult | None:
        """The stored result, or None if absent, unreadable, of an older shape, or made from
        something else (each of these is regraded)."""
        try:
            record = json.loads(self._path(student_id, exercise_id).read_text(encoding="utf-8"))
            if fingerprint is not None and record.get("fingerprint") != fingerprint:
                return None
            return ExerciseResult.from_json(record["result"], exercise_id)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put(self, student_id: str, exercise_id: str, fingerprint: str, result: ExerciseResult) -> None:
        write_json_atomic(self._path(student_id, exercise_id),
                          {"fingerprint": fingerprint, "result": result.to_json()})
