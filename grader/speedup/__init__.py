"""The speedup judge: is this code parallel, and is it faster, on a shared machine?

Structure first, time second.  A hidden test collects evidence the student's
code cannot fake, from two places:

- task records from the trusted probes of :mod:`grader.probes.speedup`
  (pass ``subject.probe("grader.probes.speedup:burn")`` where the contract
  takes a picklable function): pid, thread, start/end on the system-wide
  monotonic clock, CPU time;
- the subject's process tree, sampled from the driver by :class:`TreeWatch`
  (:mod:`grader.proctree`).

API (all a hidden test needs)::

    from grader.speedup import TreeWatch, structure, judge_speed, read_records, clear_records

    clear_records(subject.probe_dir)
    with TreeWatch(subject.process) as seen:              # outside evidence
        sub.parallel_map(subject.probe("grader.probes.speedup:burn"), [80] * 8, workers=2)
    found = structure(seen, read_records(subject.probe_dir))    # or structure(seen) without probes
    problems = found.problems(min_workers=2)              # teaching messages, [] when parallel
    assert not problems, "; ".join(problems)

    judge_speed(serial=lambda: ..., reference=lambda: ..., student=lambda: ...,
                workers=2, thresholds=thresholds)   # returns, fails, or Inconclusive

- :meth:`Structure.problems` is the structural gate (primary): at least
  ``min_workers`` distinct worker processes (not the caller), >= 80 % of the
  CPU time in child processes, two or more tasks in flight for >= half of the
  busy time.  Its messages name what happened ("all 8 tasks ran in one process
  (pid 4242): ...") and branch on :func:`gil_enabled`.
- :func:`judge_structure` applies that gate with the reference beside it: too
  little overlap fails only when the reference's workers, measured in turn,
  did overlap; otherwise it is ``Inconclusive`` (the machine was busy).
- :func:`judge_speed` is the timing gate (secondary): serial, reference and
  student interleaved, best of ``rounds``; the reference must reach
  ``thresholds["reference_speedup"]`` (per 2 usable CPUs, scaled by
  :func:`usable_cpus`) or the run is retried with back-off and finally raises
  ``Inconclusive``; the student must reach ``thresholds["vs_reference"]`` of the
  reference's speedup, and fails only when two such attempts found it below.
- ``thresholds`` is the driver plugin's fixture: the exercise's ``thresholds:`` from course.yml.
"""

from grader.proctree import TreeWatch
from grader.speedup.cpus import gil_enabled, usable_cpus
from grader.speedup.evidence import (
    Structure,
    TaskRecord,
    clear_records,
    judge_structure,
    observed_records,
    read_records,
    structure,
)
from grader.speedup.timing import Timing, judge_speed, needed_speedup

__all__ = ["Structure", "TaskRecord", "Timing", "TreeWatch", "clear_records",
           "gil_enabled", "judge_speed", "judge_structure", "needed_speedup", "observed_records", "read_records",
           "structure", "usable_cpus"]
