"""How much CPU this process may really use right now, and whether the GIL is on.

Speed thresholds scale with the *usable* CPUs, not the machine's: the
affinity mask (``taskset``) and a cgroup CPU quota (hosted graders often give
a job 0.5-0.9 CPU) both cap what any parallel code can show.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def usable_cpus() -> float:
    """CPUs available to this process: min(affinity mask, cgroup quota)."""
    try:
        cpus = float(len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        cpus = float(os.cpu_count() or 1)
    quota = cgroup_quota()
    return min(cpus, quota) if quota is not None else cpus


def usable_cores() -> int:
    """Whole CPUs this process may use, at least one: how many grading jobs to run at once."""
    return max(1, int(usable_cpus()))


def cgroup_quota() -> float | None:
    """The CPU quota of this process's cgroup in CPUs (v2 ``cpu.max`` or v1 CFS), or None."""
    for path in _cgroup_dirs():
        v2 = path / "cpu.max"
        if v2.is_file():
            quota, _, period = v2.read_text().partition(" ")
            if quota.strip() != "max":
                return int(quota) / int(period)
        v1 = path / "cpu.cfs_quota_us"
        if v1.is_file():
            quota_us = int(v1.read_text())
            if quota_us > 0:
                return quota_us / int((path / "cpu.cfs_period_us").read_text())
    return None


def _cgroup_dirs() -> list[Path]:
    """This process's cgroup folders (v2 unified and v1 cpu), then the roots."""
    dirs: list[Path] = []
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return dirs
    for line in lines:
        _, controllers, rel = line.split(":", 2)
        rel = rel.lstrip("/")
        if controllers == "":
            dirs.append(CGROUP_ROOT / rel)
        elif "cpu" in controllers.split(","):
            dirs.append(CGROUP_ROOT / "cpu" / rel)
    dirs += [CGROUP_ROOT, CGROUP_ROOT / "cpu"]
    return [d for d in dirs if d.is_dir()]


def gil_enabled() -> bool:
    """False on a free-threaded build running without the GIL (threads then run in parallel)."""
    check = getattr(sys, "_is_gil_enabled", None)
    return True if check is None else bool(check())
