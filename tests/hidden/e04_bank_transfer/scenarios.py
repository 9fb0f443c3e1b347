"""Explorer scenarios for e04, executed inside the subject process (next to bank.py).

Each function runs ``explore`` on the submission and returns
``Result.to_dict()`` plus what the workers observed, as plain data. Every
schedule executes bank.py afresh, so locks it creates at import (module or
class level) are created under the explorer's control.
"""

from __future__ import annotations

import threading
from typing import Any

from grader.interleave import explore
from grader.interleave.fresh import fresh_module
from grader.probes.meeting import MeetingAmount

_bank = fresh_module("bank")


def _report(result: Any, seen: list) -> dict:
    out = result.to_dict()
    out["seen"] = seen
    return out


def two_withdrawals(seed: int, schedules: int) -> dict:
    """Two threads withdraw 60 from an account holding 100: exactly one may succeed."""

    def setup() -> dict:
        bank = _bank()
        return {"bank": bank, "acct": bank.Account("ann", 100), "done": []}

    def withdraw(s: dict) -> None:
        try:
            s["acct"].withdraw(60)
        except s["bank"].InsufficientFunds:
            s["done"].append("refused")
        else:
            s["done"].append("paid")

    def final(s: dict) -> None:
        balance = s["acct"].balance
        assert balance >= 0, (
            f"the account holding 100 paid out {s['done'].count('paid')} withdrawals of 60 and "
            f"its balance is {balance}: both threads saw enough money before either took it")
        assert sorted(s["done"]) == ["paid", "refused"] and balance == 40, (
            f"withdrawals of 60 and 60 from 100: {s['done']}, balance {balance}")

    return explore(setup, [withdraw, withdraw], final, seed=seed, schedules=schedules).to_dict()


def transfers_and_deposit(seed: int, schedules: int) -> dict:
    """transfer(a, b, 30) while b.deposit(10): a=70 and b=140 at the end."""

    def setup() -> dict:
        bank = _bank()
        return {"bank": bank, "a": bank.Account("ann", 100), "b": bank.Account("bob", 100)}

    def final(s: dict) -> None:
        got = (s["a"].balance, s["b"].balance)
        assert got == (70, 140), (
            f"a=100, b=100; transfer(a, b, 30) and b.deposit(10) ran at once, but a={got[0]} "
            f"and b={got[1]} (expected 70 and 140): an update of b was lost")

    return explore(setup, [lambda s: s["bank"].transfer(s["a"], s["b"], 30),
                           lambda s: s["b"].deposit(10)],
                   final, seed=seed, schedules=schedules).to_dict()


def audit_during_transfers(seed: int, schedules: int) -> dict:
    """audit([a, b, c, d]) while transfer(a, b, 30) and transfer(c, d, 20): always 400."""
    seen: list[int] = []

    def setup() -> dict:
        bank = _bank()
        accounts = [bank.Account(name, 100) for name in ("ann", "bob", "cat", "dan")]
        return {"bank": bank, "accounts": accounts, "audits": []}

    def auditor(s: dict) -> None:
        s["audits"].append(s["bank"].audit(s["accounts"]))

    def final(s: dict) -> None:
        total = s["audits"][0]
        if total != 400:
            seen.append(total)
        assert total == 400, f"audit returned {total} while the bank holds 400"

    a, b, c, d = range(4)
    result = explore(setup, [
        lambda s: s["bank"].transfer(s["accounts"][a], s["accounts"][b], 30),
        lambda s: s["bank"].transfer(s["accounts"][c], s["accounts"][d], 20),
        auditor,
    ], final, seed=seed, schedules=schedules)
    return _report(result, seen)


def opposite_transfers(seed: int, schedules: int) -> dict:
    """transfer(a, b, 10) and transfer(b, a, 20) at once: no deadlock, a=110, b=90."""

    def setup() -> dict:
        bank = _bank()
        return {"bank": bank, "a": bank.Account("ann", 100), "b": bank.Account("bob", 100)}

    def final(s: dict) -> None:
        got = (s["a"].balance, s["b"].balance)
        assert got == (110, 90), f"after both transfers a={got[0]}, b={got[1]}; expected 110, 90"

    return explore(setup, [lambda s: s["bank"].transfer(s["a"], s["b"], 10),
                           lambda s: s["bank"].transfer(s["b"], s["a"], 20)],
                   final, seed=seed, schedules=schedules).to_dict()


    def __rsub__(self, other: Any) -> int:
        return other - self._meet(other)


def disjoint_transfers(seed: int, schedules: int) -> dict:
    """transfer(a, b) and transfer(c, d) at once, each waiting inside for the other."""

    def setup() -> dict:
        bank = _bank()
        amount = MeetingAmount(10)
        amount.barrier = threading.Barrier(2)
        amount.values = (1000, 2000, 3000, 4000)
        accounts = [bank.Account(n, v) for n, v in
                    (("ann", 1000), ("bob", 2000), ("cat", 3000), ("dan", 4000))]
        return {"bank": bank, "accounts": accounts, "amount": amount}

    def move(src: int, dst: int) -> Any:
        return lambda s: s["bank"].transfer(s["accounts"][src], s["accounts"][dst], s["amount"])

    def final(s: dict) -> None:
        got = [acct.balance for acct in s["accounts"]]
        assert got == [990, 2010, 2990, 4010], f"balances after the transfers: {got}"

    return explore(setup, [move(0, 1), move(2, 3)], final, seed=seed,
                   schedules=schedules).to_dict()
