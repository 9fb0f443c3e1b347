"""Systematic scenarios for e04, executed inside the subject process (next to bank.py).

Random schedules find a bug with some probability; these try every schedule
with at most one preemption (bounded exhaustive search), so a bug that one
untimely switch exposes is found under every seed, however the submission
is written.  Each returns ``Result.to_dict()`` plus what the auditor saw.
"""

from __future__ import annotations

from typing import Any

from grader.interleave import explore
from grader.interleave.fresh import fresh_module

_bank = fresh_module("bank")
#: Wall seconds for one search: past it no new schedule starts, and the test says "regrade".
WALL = 6.0


def audit_beside_a_transfer(schedules: int) -> dict[str, Any]:
    """transfer(a, b, 30) while audit([a, b, c]): every audit must see 300.

    One preemption is enough for both ways of getting it wrong: a transfer
    paused between taking the money out and putting it in (the audit sees too
    little), and an audit paused between two reads while a transfer runs (it
    counts the moved money twice or not at all).
    """
    seen: list[int] = []

    def setup() -> dict[str, Any]:
        bank = _bank()
        return {"bank": bank, "accounts": [bank.Account(n, 100) for n in ("ann", "bob", "cat")],
                "audits": []}

    def auditor(s: dict[str, Any]) -> None:
        s["audits"].append(s["bank"].audit(s["accounts"]))

    def final(s: dict[str, Any]) -> None:
        total = s["audits"][0]
        if total != 300:
            seen.append(total)
        assert total == 300, f"audit returned {total} while the bank holds 300"

    result = explore(setup, [lambda s: s["bank"].transfer(s["accounts"][0], s["accounts"][1], 30),
                             auditor], final, strategy="exhaustive", preemption_bound=1,
                     schedules=schedules, timeout=WALL)
    return {**result.to_dict(), "seen": seen}
