"""The timing gate: serial, reference and student interleaved, best-of-k, with a capacity guard.

A bare threshold on one timing is a coin toss on a shared machine.  Here the
three runs alternate (A B C A B C ...) so a noisy episode hits all of them,
each is judged by its best run, and the *reference* must first prove the
machine can show a speedup right now.  If it cannot (busy machine, one
usable CPU, a CPU quota), the verdict is Inconclusive, never a failure.

Note: with Linux autogroup scheduling (``kernel.sched_autogroup_enabled``)
CPU is shared per *session*, and each subject runs in a session of its own;
when other sessions keep both cores busy, a subject's workers together get
about one session's share, so no code can show a parallel speedup then.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from grader.driver.verdicts import Inconclusive
from grader.results import Speed, SpeedRun
from grader.speedup.cpus import usable_cpus

#: Fewer interleaved rounds than this (time ran out) give no verdict.
MIN_ROUNDS = 3
#: An attempt may pass after MIN_ROUNDS rounds, before its last, when the student already
#: reached this share of the reference's speedup (stricter than ``vs_reference``): the
#: reference's best would have to improve by far more than its noise for it to fail after all.
EARLY_PASS_SHARE = 0.85
#: Defaults for the ``thresholds:`` of an exercise in course.yml.
DEFAULT_THRESHOLDS = {
    "reference_speedup": 1.3,  # what the reference must show with 2 usable CPUs
    "vs_reference": 0.7,  # the student's speedup, as a share of the reference's
}


@dataclass
class Timing:
    """Best-of-k seconds per run, and the speedups over the serial baseline."""

    best: dict[str, float] = field(default_factory=dict)
    rounds: int = 0

    @property
    def reference_speedup(self) -> float:
        return self.best["serial"] / self.best["reference"]

    @property
    def student_speedup(self) -> float:
        return self.best["serial"] / self.best["student"]


#: Side-by-side timings taken during the current test, newest last: the driver plugin attaches
#: the last one to the test's result (reports chart it against ideal scaling and Amdahl).
measured: list[Speed] = []


def _record(timing: Timing, workers: int, cpus: float) -> None:
    if all(s != float("inf") for s in timing.best.values()):
        measured.append(Speed(tuple(SpeedRun(name, round(secs, 6), 1 if name == "serial" else workers)
                                    for name, secs in timing.best.items()), int(cpus)))


def interleaved(runs: dict[str, Callable[..., object]], rounds: int,
                deadline: float = float("inf"), fresh: Callable[[int], tuple] | None = None,
                first_round: int = 0, enough: Callable[[Timing], bool] | None = None) -> Timing:
    """Run each callable once per round, in turn; keep each one's best time (driver clock).

    With ``fresh``, round ``k`` calls every run with ``*fresh(k)``: new inputs of
    the same size each round (the same for all runs of that round), so nothing
    remembered from an earlier round can help.  Stops early, after a whole
    round, once ``time.monotonic()`` passes ``deadline``, or once ``enough`` says
    the timing so far already decides.
    """
    timing = Timing({name: float("inf") for name in runs})
    while timing.rounds < rounds and (timing.rounds == 0 or time.monotonic() < deadline):
        args = fresh(first_round + timing.rounds) if fresh is not None else ()
        for name, run in runs.items():
            start = time.perf_counter()
            run(*args)
            timing.best[name] = min(timing.best[name], time.perf_counter() - start)
        timing.rounds += 1
        if enough is not None and enough(timing):
            break
    return timing


def needed_speedup(reference_speedup: float, workers: int, cpus: float | None = None) -> float:
    """The speedup the reference must show now: ``reference_speedup`` per 2 CPUs, scaled down."""
    cpus = usable_cpus() if cpus is None else cpus
    return 1 + (reference_speedup - 1) * (min(workers, cpus) - 1)


def judge_speed(serial: Callable[..., object], reference: Callable[..., object],
                student: Callable[..., object], *, workers: int, thresholds: dict[str, float],
                rounds: int = 5, attempts: int = 3, budget: float = 12.0,
                fresh: Callable[[int], tuple] | None = None) -> Timing:
    """Pass (return the timing), fail (AssertionError) or raise Inconclusive.

    Call it only after the structural gate passed.  Each attempt times
    ``rounds`` interleaved rounds, all within ``budget`` seconds (a started
    round is finished; at least MIN_ROUNDS make a verdict).  An attempt where the reference does not
    reach its speedup says nothing about the student: back off and retry.
    The student fails when two attempts in which the reference *did* show its
    speedup both found the student below ``vs_reference`` of it, or when the
    student was so slow that time ran out before MIN_ROUNDS while the
    reference showed its speedup in those same rounds and the student was not
    even faster than serial.  An attempt passes before its last round only
    when, after MIN_ROUNDS rounds, the student already reached EARLY_PASS_SHARE
    of the reference's speedup (a fail always takes all the rounds).
    ``fresh(k)`` gives round ``k``'s inputs (see :func:`interleaved`); hidden
    tests pass it so that memoising wins nothing.
    """
    limits = DEFAULT_THRESHOLDS | thresholds
    cpus = usable_cpus()
    if min(workers, cpus) < 1.5:
        raise Inconclusive(
            f"speed not measured: only {cpus:g} usable CPU(s) here, so no code can run "
            f"{workers} workers in parallel; the structure of your code passed")
    need = needed_speedup(limits["reference_speedup"], workers, cpus)
    deadline = time.monotonic() + budget
    slow: list[Timing] = []
    last: Timing | None = None
    done = 0

    def proven(t: Timing) -> bool:
        return (t.rounds >= MIN_ROUNDS and t.reference_speedup >= need
                and t.student_speedup >= EARLY_PASS_SHARE * t.reference_speedup)

    for attempt in range(attempts):
        last = interleaved({"serial": serial, "reference": reference, "student": student},
                           rounds, deadline, fresh, first_round=done, enough=proven)
        _record(last, workers, cpus)
        done += last.rounds
        if last.rounds < MIN_ROUNDS:
            if last.reference_speedup >= need and last.student_speedup < 1.0:
                raise AssertionError(
                    f"your code was slower than serial ({last.student_speedup:.2f}x) while the "
                    f"reference reached {last.reference_speedup:.2f}x in the same round(s) "
                    f"({cpus:g} CPUs); it took so long that only {last.rounds} round(s) fit in "
                    f"{budget:g} s: is the work really split over the workers, in tasks big "
                    "enough to outweigh starting them?")
            break  # the machine is so slow that the time ran out: no verdict on these
        if last.reference_speedup >= need:
            if last.student_speedup >= limits["vs_reference"] * last.reference_speedup:
                return last
            slow.append(last)
            if len(slow) >= min(2, attempts):
                break
        pause = 0.5 * (attempt + 1)  # back off: let a noisy neighbour pass
        if time.monotonic() + pause >= deadline:
            break
        time.sleep(pause)
    if len(slow) >= min(2, attempts):
        t = slow[-1]
        raise AssertionError(
            f"your code was {t.student_speedup:.2f}x faster than serial, but the reference "
            f"reached {t.reference_speedup:.2f}x in the same rounds (best of {t.rounds}, "
            f"{cpus:g} CPUs): expected at least {limits['vs_reference']:.0%} of it; is work "
            "sent to the workers in tasks big enough to outweigh starting them?")
    assert last is not None
    if last.rounds < MIN_ROUNDS:
        raise Inconclusive(
            f"speed not measured: the machine was so busy that only {last.rounds} round(s) of "
            f"timing fit in {budget:g} s; the structure of your code passed and speed will be "
            "regraded")
    raise Inconclusive(
        f"speed not measured: in {last.rounds} round(s) the reference solution reached only "
        f"{last.reference_speedup:.2f}x over serial (needs {need:.2f}x with {cpus:g} usable "
        "CPUs), so the machine was too busy to show parallel speedup; the structure of your "
        "code passed and speed will be regraded")
