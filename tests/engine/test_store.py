"""The store: atomic writes (synced, no leftovers), and typed results that read back or regrade."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from grader import store
from grader.results import ExerciseResult, Outcome, Status, TestResult
from grader.store import Store


@pytest.mark.parametrize("write", [lambda p: store.write_text_atomic(p, "text"),
                                   lambda p: store.write_json_atomic(p, {"a": 1})],
                         ids=["text", "json"])
def test_atomic_writes_sync_before_the_rename(tmp_path: Path, monkeypatch, write):
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(store.os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(store.os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    write(tmp_path / "out" / "file")
    assert events == ["fsync", "replace"]
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["file"]


@pytest.mark.parametrize("write", [lambda p: store.write_text_atomic(p, "new"),
                                   lambda p: store.write_json_atomic(p, {"a": 1})],
                         ids=["text", "json"])
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temp_file(tmp_path: Path, monkeypatch, write):
    target = tmp_path / "grades.csv"
    target.write_text("old")

    def fail(a, b):
        raise OSError("disk full")

    monkeypatch.setattr(store.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write(target)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_the_store_returns_typed_results_and_regrades_what_it_cannot_read(tmp_path: Path):
    result = ExerciseResult("e01_threads_io", Status.INCONCLUSIVE, 1.0, 2.0,
                            (TestResult("test_a", Outcome.PASSED, 1.0, 1.0),
                             TestResult("test_b", Outcome.INCONCLUSIVE, 0.0, 1.0, "busy")),
                            sandbox="bubblewrap", seed=3)
    s = Store(tmp_path)
    s.put("ada", "e01_threads_io", "fp", result)
    assert s.get("ada", "e01_threads_io", "fp") == result
    assert s.get("ada", "e01_threads_io", "other") is None, "made from something else: regrade"
    path = tmp_path / ".results" / "ada" / "e01_threads_io.json"
    path.write_text(json.dumps({"fingerprint": "fp", "result": {"score": 1}}))  # an older shape
    assert s.get("ada", "e01_threads_io", "fp") is None
    path.write_text("{")
    assert s.get("ada", "e01_threads_io") is None
