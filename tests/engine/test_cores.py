"""`concurlab grade` runs as many jobs as the cores it may use: the speed judge's count, not its own."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

import grader.batch
from grader.batch import BatchResult
from grader.cli import main
from grader.speedup import cpus
from tests.conftest import copy_course


def test_default_jobs_follow_the_cpu_quota(tmp_path: Path, monkeypatch):
    course = copy_course(tmp_path / "course", ["e01_threads_io"])
    (tmp_path / "subs").mkdir()
    seen: dict[str, int] = {}

    def grade_class(*args, jobs: int, **kwargs) -> BatchResult:
        seen["jobs"] = jobs
        return BatchResult(reports=[])

    monkeypatch.setattr(grader.batch, "grade_class", grade_class)
    monkeypatch.setattr(cpus, "cgroup_quota", lambda: 1.0)  # a hosted grader's one-CPU quota
    result = CliRunner().invoke(main, ["grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out"),
                                       "--course", str(course / "course.yml")])
    assert result.exit_code == 0, result.output
    assert seen["jobs"] == 1


def test_usable_cores_is_at_least_one(monkeypatch):
    monkeypatch.setattr(cpus, "cgroup_quota", lambda: 0.5)
    assert cpus.usable_cores() == 1
