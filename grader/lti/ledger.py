"""What was pushed to which platform, so a push killed half-way resumes without duplicates.

One JSON line per event in ``DIR/.lti/pushes.jsonl``, synced before the next request:
``sent`` before a score is posted (with the timestamp it carries), ``done`` once the
platform accepted it.  A rerun skips a score whose ``done`` matches it, and resends an
unconfirmed ``sent`` with the *same* timestamp: AGS platforms take a score with the
timestamp they already hold as the same update, never as a second one.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def score_key(platform: str, resource_id: str, user_id: str) -> str:
    return hashlib.sha256(f"{platform}\0{resource_id}\0{user_id}".encode()).hexdigest()[:32]


def payload_digest(score: dict[str, Any]) -> str:
    """The score without its timestamp: what decides whether it changed."""
    same = {k: v for k, v in score.items() if k != "timestamp"}
    return hashlib.sha256(json.dumps(same, sort_keys=True).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Entry:
    digest: str
    timestamp: str
    done: bool


class Ledger:
    def __init__(self, path: Path):
        self.path = path
        self._entries: dict[str, Entry] = {}
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    rec = json.loads(line)
                    key, entry = rec["key"], Entry(rec["digest"], rec["timestamp"], rec["state"] == "done")
                except (ValueError, KeyError, TypeError):
                    continue  # a torn last line from a kill
                self._entries[key] = entry

    def get(self, key: str) -> Entry | None:
        return self._entries.get(key)

    def sent(self, key: str, digest: str, timestamp: str) -> None:
        self._write(key, Entry(digest, timestamp, False))

    def done(self, key: str, digest: str, timestamp: str) -> None:
        self._write(key, Entry(digest, timestamp, True))

    def _write(self, key: str, entry: Entry) -> None:
        self._entries[key] = entry
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {"key": key, "digest": entry.digest, "timestamp": entry.timestamp,
                  "state": "done" if entry.done else "sent"}
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()
            os.fsync(f.fileno())
