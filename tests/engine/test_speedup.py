"""The speedup judge: evidence, messages, and the timing gate's three outcomes."""

from __future__ import annotations

import subprocess
import sys

import psutil
import pytest

from grader.driver.verdicts import Inconclusive
from grader.probes import speedup as probes
from grader.speedup import (
    Structure,
    TreeWatch,
    clear_records,
    judge_speed,
    judge_structure,
    needed_speedup,
    read_records,
    structure,
)
from grader.speedup import cpus as cpus_module
from grader.speedup import timing as timing_module
from grader.speedup.evidence import overlap_fraction

BUSY = "import time; end = time.process_time() + {s}\nwhile time.process_time() < end: pass"


def made(**fields) -> Structure:
    base = dict(parent_pid=4242, worker_cpu={}, parent_cpu=1.0, child_cpu=0.0,
                busy_seconds=1.0, parallel_fraction=0.0, tasks=8)
    return Structure(**(base | fields))


def test_overlap_alone_is_measured_exactly():
    busy, parallel = overlap_fraction([(0.0, 2.0), (1.0, 3.0)])
    assert busy == pytest.approx(3.0) and parallel == pytest.approx(1 / 3)
    assert overlap_fraction([(0.0, 1.0), (1.0, 2.0)]) == (2.0, 0.0)
    assert overlap_fraction([]) == (0.0, 0.0)


def test_messages_name_what_happened(monkeypatch):
    one_process = made(parent_threads=4).problems(min_workers=2)
    assert one_process == [
        "all 8 tasks ran in one process (pid 4242) (in 4 threads): threads cannot run Python "
        "bytecode in parallel under the GIL; use a process pool"]
    monkeypatch.setattr("grader.speedup.evidence.gil_enabled", lambda: False)
    assert "free-threaded" in made().problems(min_workers=2)[0]

    one_worker = made(worker_cpu={77: 1.0}, parent_cpu=0.0, child_cpu=1.0)
    assert one_worker.problems(min_workers=2)[0].startswith("only 1 worker process (pid 77)")
    turns = made(worker_cpu={7: 0.5, 8: 0.5}, parent_cpu=0.0, child_cpu=1.0)
    assert turns.problems(min_workers=2) == [
        "2 workers, but their tasks never overlapped: the workers took turns (is each result "
        "awaited before the next task is sent?)"]
    in_parent = made(worker_cpu={7: 0.2, 8: 0.2}, parent_cpu=1.6, child_cpu=0.4,
                          parallel_fraction=0.9)
    assert in_parent.problems(min_workers=2)[0].startswith("only 20% of the CPU time")
    good = made(worker_cpu={7: 1.0, 8: 1.0}, parent_cpu=0.05, child_cpu=2.0,
                     parallel_fraction=0.9)
    assert good.problems(min_workers=2) == []


def pool(parallel: float) -> Structure:
    """Two workers that did all the work, overlapping ``parallel`` of the busy time."""
    return made(worker_cpu={7: 1.0, 8: 1.0}, parent_cpu=0.0, child_cpu=2.0,
                parallel_fraction=parallel)


def calls(*structures: Structure):
    """A watched call that returns the given structures in turn (and counts its calls)."""
    seq = iter(structures)

    def call() -> Structure:
        call.count += 1
        return next(seq)
    call.count = 0
    return call


def test_structure_gate_blames_overlap_only_beside_a_reference_that_overlapped():
    assert judge_structure(calls(pool(0.9)), calls(), min_workers=2).parallel_fraction == 0.9
    # Taking turns while the reference, measured in turn, overlapped: a fail that says so.
    with pytest.raises(AssertionError, match="the reference's workers, timed in turn with yours, "
                                             "overlapped 80%"):
        judge_structure(calls(pool(0.1), pool(0.1)), calls(pool(0.8)), min_workers=2)
    # Neither overlapped, twice: the machine was busy, a regrade.
    with pytest.raises(Inconclusive, match="the reference's workers too overlapped only 30%"):
        judge_structure(calls(*[pool(0.1)] * 3), calls(pool(0.3), pool(0.3)), min_workers=2)
    # A low first measurement that overlaps when measured again passes.
    assert judge_structure(calls(pool(0.1), pool(0.7)), calls(pool(0.2)),
                           min_workers=2).parallel_fraction == 0.7
    # A problem the load cannot cause fails at once; the reference is never run.
    reference = calls()
    with pytest.raises(AssertionError, match="all 8 tasks ran in one process"):
        judge_structure(calls(made()), reference, min_workers=2)
    assert reference.count == 0


def test_probe_records_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv(probes.PROBE_DIR_ENV, str(tmp_path))
    assert probes.burn(2) == probes.checksum(2)
    assert probes.analyze("1 a short text") == probes.checksum(1)
    with pytest.raises(ValueError, match="corrupt"):
        probes.analyze("1 a corrupt text")
    with open(next(tmp_path.glob("tasks-*.jsonl")), "a") as f:
        f.write('{"pid": 1, "tid"')  # a torn last line
    records = read_records(tmp_path)
    assert [r.label for r in records] == ["2", "a short text"]
    assert all(r.end >= r.start and r.cpu >= 0 for r in records)
    clear_records(tmp_path)
    assert read_records(tmp_path) == []


def _run_children(seconds: float, together: bool) -> TreeWatch:
    """Two busy children of a shell, at once (``&``) or one after the other (``;``)."""
    child = f"{sys.executable} -c '{BUSY.format(s=seconds)}'"
    script = f"{child} & {child} & wait" if together else f"{child}; {child}"
    shell = subprocess.Popen(["sh", "-c", script])
    with TreeWatch(psutil.Process(shell.pid)) as seen:
        shell.wait()
    return seen


def test_tree_watch_tells_parallel_from_taking_turns():
    together = structure(_run_children(0.3, together=True), min_worker_cpu=0.15, tasks=2)
    assert len(together.worker_cpu) == 2, together
    assert together.problems(min_workers=2) == [], together
    turns = structure(_run_children(0.3, together=False), min_worker_cpu=0.15, tasks=2)
    assert len(turns.worker_cpu) == 2, turns
    assert turns.parallel_fraction < 0.5, turns


class FakeClock:
    """Stands in for the driver's clock: each run advances it by its cost, no sleeping."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def run(self, seconds: float):
        return lambda: self.sleep(seconds)


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(timing_module, "time", fake)
    monkeypatch.setattr(timing_module, "usable_cpus", lambda: 2.0)
    return fake


def test_timing_pass_fail_inconclusive(clock):
    t = judge_speed(clock.run(2.0), clock.run(1.0), clock.run(1.1), workers=2, thresholds={},
                    rounds=3, budget=100)
    assert t.reference_speedup == 2.0 and t.student_speedup == pytest.approx(2 / 1.1)
    with pytest.raises(AssertionError, match="reference reached 2.00x"):
        judge_speed(clock.run(2.0), clock.run(1.0), clock.run(2.0), workers=2, thresholds={},
                    rounds=3, budget=100)
    with pytest.raises(Inconclusive, match="reference solution reached only 1.00x"):
        judge_speed(clock.run(1.0), clock.run(1.0), clock.run(2.0), workers=2, thresholds={},
                    rounds=3, budget=100)
    with pytest.raises(Inconclusive, match="only 2 round"):
        judge_speed(clock.run(2.0), clock.run(1.0), clock.run(1.0), workers=2, thresholds={},
                    rounds=5, budget=5)


def test_each_measurement_is_kept_for_the_report(clock):
    timing_module.measured.clear()
    judge_speed(clock.run(2.0), clock.run(1.0), clock.run(1.1), workers=2, thresholds={},
                rounds=3, budget=100)
    speed = timing_module.measured[-1]
    assert speed.cpus == 2 and {r.label: (r.seconds, r.workers) for r in speed.runs} == {
        "serial": (2.0, 1), "reference": (1.0, 2), "student": (1.1, 2)}


def test_slow_student_gets_a_second_chance(clock):
    costs = iter([2.0] * 3)  # slow in the first attempt (3 rounds), fast in the second

    def student() -> None:
        clock.sleep(next(costs, 1.0))

    t = judge_speed(clock.run(2.0), clock.run(1.0), student, workers=2, thresholds={},
                    rounds=3, budget=100)
    assert t.student_speedup == 2.0


def test_one_usable_cpu_is_inconclusive(monkeypatch):
    monkeypatch.setattr(timing_module, "usable_cpus", lambda: 1.0)
    with pytest.raises(Inconclusive, match="only 1 usable CPU"):
        judge_speed(print, print, print, workers=2, thresholds={})


def test_thresholds_scale_with_usable_cpus():
    assert needed_speedup(1.3, workers=2, cpus=2) == pytest.approx(1.3)
    assert needed_speedup(1.3, workers=4, cpus=1.5) == pytest.approx(1.15)
    assert needed_speedup(1.3, workers=8, cpus=3) == pytest.approx(1.6)


def test_cgroup_quota_is_read(tmp_path, monkeypatch):
    (tmp_path / "cpu.max").write_text("50000 100000\n")
    monkeypatch.setattr(cpus_module, "_cgroup_dirs", lambda: [tmp_path])
    assert cpus_module.cgroup_quota() == 0.5
    assert cpus_module.usable_cpus() <= 0.5
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert cpus_module.cgroup_quota() is None


def test_a_decided_pass_stops_after_min_rounds(clock):
    calls = []

    def student() -> None:
        calls.append(1)
        clock.sleep(1.0)

    t = judge_speed(clock.run(2.0), clock.run(1.0), student, workers=2, thresholds={},
                    rounds=5, budget=100)
    assert t.rounds == timing_module.MIN_ROUNDS and len(calls) == timing_module.MIN_ROUNDS


def test_a_close_pass_takes_every_round(clock):
    # 0.75 of the reference's speedup: a pass (>= 0.7), but not a decided one (< 0.85)
    t = judge_speed(clock.run(2.0), clock.run(1.0), clock.run(1 / 0.75), workers=2, thresholds={},
                    rounds=5, budget=100)
    assert t.rounds == 5 and t.student_speedup == pytest.approx(1.5)
