"""Ready-made explorations of contracts several exercises share.

``start_twice_at_once``: "start() a second time raises RuntimeError" must
hold when the two calls come at the same moment, which a check and a set in
two critical sections break. Every schedule with at most one preemption is
tried (bounded exhaustive search), so such a race is found under every seed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .api import Result, explore


def start_twice_at_once(make: Callable[[], Any], *, schedules: int, timeout: float) -> Result:
    """Two threads call ``start()`` on one ``make()`` at once: exactly one may succeed.

    The winner calls ``stop()``; the loser must get RuntimeError (``stop()``
    racing another thread's ``start()`` is beyond these contracts).
    """

    def setup() -> dict[str, Any]:
        return {"it": make(), "refused": 0, "started": 0}

    def start(s: dict[str, Any]) -> None:
        try:
            s["it"].start()
        except RuntimeError:
            s["refused"] += 1
        else:
            s["started"] += 1
            s["it"].stop()

    def final(s: dict[str, Any]) -> None:
        assert (s["started"], s["refused"]) == (1, 1), (
            f"two threads called start() at once: {s['started']} started, {s['refused']} were "
            "refused with RuntimeError (expected 1 and 1)")

    return explore(setup, [start, start], final, strategy="exhaustive", preemption_bound=1,
                   schedules=schedules, timeout=timeout)
