"""Attacks on the speed gate (class 3): memoising across rounds, and stalling it.

The gate's clock is replaced by a fake one (each run advances it by its cost),
so these verdicts are exact and take no time; the logic is the real
:func:`grader.speedup.judge_speed`.
"""

from __future__ import annotations

import pytest

from grader.driver.verdicts import Inconclusive
from grader.speedup import judge_speed
from grader.speedup import timing as timing_module


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now

    monotonic = perf_counter

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(timing_module, "time", fake)
    monkeypatch.setattr(timing_module, "usable_cpus", lambda: 2.0)
    return fake


def fresh(k: int) -> tuple:
    """Round k's input: same size, new values (as the hidden tests pass it)."""
    return ([50_000 + 8 * k + i for i in range(8)],)


def test_memoising_wins_nothing_with_fresh_inputs(clock: FakeClock):
    seen: set[int] = set()

    def memoising(limits: list[int]) -> None:  # serial speed, instant on a repeat
        new = [n for n in limits if n not in seen]
        seen.update(new)
        clock.sleep(2.0 * len(new) / len(limits))

    with pytest.raises(AssertionError, match="reference reached 2.00x"):
        judge_speed(lambda lim: clock.sleep(2.0), lambda lim: clock.sleep(1.0), memoising,
                    workers=2, thresholds={}, rounds=3, budget=100, fresh=fresh)


def test_a_slow_first_attempt_that_uses_the_budget_fails(clock: FakeClock):
    with pytest.raises(AssertionError, match="slower than serial"):
        judge_speed(lambda lim: clock.sleep(2.0), lambda lim: clock.sleep(1.0),
                    lambda lim: clock.sleep(20.0), workers=2, thresholds={}, budget=12,
                    fresh=fresh)


def test_an_honest_student_passes_and_a_busy_machine_is_inconclusive(clock: FakeClock):
    t = judge_speed(lambda lim: clock.sleep(2.0), lambda lim: clock.sleep(1.0),
                    lambda lim: clock.sleep(1.1), workers=2, thresholds={}, rounds=3,
                    budget=100, fresh=fresh)
    assert t.student_speedup == pytest.approx(2 / 1.1)
    with pytest.raises(Inconclusive):  # the reference could not show it: never a fail
        judge_speed(lambda lim: clock.sleep(2.0), lambda lim: clock.sleep(2.0),
                    lambda lim: clock.sleep(20.0), workers=2, thresholds={}, budget=12,
                    fresh=fresh)
