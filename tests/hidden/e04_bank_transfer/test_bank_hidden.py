"""Hidden tests for e04_bank_transfer: accounts, atomic transfers, consistent audits."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.driver.explored import judge
from grader.driver.subject import RemoteError
from grader.driver.verdicts import Inconclusive

SCENARIOS = Path(__file__).parent / "scenarios.py"
SYSTEMATIC = Path(__file__).parent / "systematic.py"
SCHEDULES = 100
#: Every one-preemption schedule of a transfer beside an audit (the reference needs under 100).
SYSTEMATIC_BUDGET = 1000


def _insufficient(call, *args) -> RemoteError:
    with pytest.raises(RemoteError) as info:
        call(*args)
    assert info.value.type_name == "InsufficientFunds", (
        f"taking more than the balance must raise InsufficientFunds, got {info.value.type_name}")
    return info.value


def test_account_in_one_thread(subject):
    bank = subject.module()
    acct = bank.Account("ann")
    assert acct.balance == 0, f"Account('ann') must open with balance 0, got {acct.balance!r}"
    acct = bank.Account("ann", 50)
    acct.deposit(25)
    acct.withdraw(70)
    assert acct.balance == 5, f"50, deposit(25), withdraw(70): balance must be 5, got {acct.balance!r}"
    _insufficient(acct.withdraw, 6)
    assert acct.balance == 5, f"a refused withdrawal must leave the balance at 5, got {acct.balance}"
    acct.withdraw(5)
    assert acct.balance == 0, f"withdrawing the whole balance must be allowed, got {acct.balance}"
    with pytest.raises(ValueError):
        bank.Account("bob", -1)
    for bad in (0, -5):
        with pytest.raises(ValueError):
            acct.deposit(bad)
        with pytest.raises(ValueError):
            acct.withdraw(bad)
    assert acct.balance == 0, f"rejected amounts must not change the balance, got {acct.balance}"


def test_transfer_and_audit_in_one_thread(subject):
    bank = subject.module()
    a, b = bank.Account("ann", 100), bank.Account("bob", 20)
    bank.transfer(a, b, 30)
    assert (a.balance, b.balance) == (70, 50), (
        f"transfer(a, b, 30) from 100 and 20 must give 70 and 50, got {a.balance} and {b.balance}")
    _insufficient(bank.transfer, b, a, 51)
    assert (a.balance, b.balance) == (70, 50), (
        "a refused transfer must leave both accounts unchanged, "
        f"got {a.balance} and {b.balance} (expected 70 and 50)")
    for src, dst, amount, why in ((a, a, 10, "src is dst"), (a, b, 0, "amount 0"),
                                  (a, b, -5, "a negative amount")):
        with pytest.raises(ValueError):
            bank.transfer(src, dst, amount)
        assert (a.balance, b.balance) == (70, 50), f"a rejected transfer ({why}) changed a balance"
    total = bank.audit([a, b])
    assert total == 120, f"audit of accounts holding 70 and 50 must be 120, got {total!r}"
    assert bank.audit([]) == 0, "audit of no accounts must be 0"


def test_concurrent_withdrawals_never_overdraw(subject, seed):
    scn = subject.load(SCENARIOS)
    judge(scn.two_withdrawals(seed, SCHEDULES),
           "two threads withdraw 60 from an account holding 100")


def test_money_is_conserved(subject, seed):
    scn = subject.load(SCENARIOS)
    judge(scn.transfers_and_deposit(seed, SCHEDULES),
           "transfer(a, b, 30) and b.deposit(10) at the same time")


def _audit_verdict(result: dict, what: str) -> None:
    if result["seen"] and min(result["seen"]) < result["expected"]:
        what += (": money vanished. The audit ran while a transfer had taken the money out of one "
                 "account and not yet put it into the other; a transfer must hold both accounts "
                 "for the whole move")
    elif result["seen"]:
        what += (": money was counted twice. The audit read the accounts at different moments "
                 "and a transfer ran in between; hold every account while you add up")
    judge(result, what)


def test_audit_during_transfers_sees_all_the_money(subject, seed):
    """Every one-preemption schedule of one transfer beside an audit, then random ones of two."""
    systematic = subject.load(SYSTEMATIC).audit_beside_a_transfer(SYSTEMATIC_BUDGET)
    _audit_verdict({**systematic, "expected": 300},
                   "audit([a, b, c]) while transfer(a, b, 30) runs")
    if not systematic["exhausted"]:
        raise Inconclusive(f"the search of every one-preemption schedule did not finish in "
                           f"{systematic['schedules_run']} schedules (machine busy?)")
    scn = subject.load(SCENARIOS)
    _audit_verdict({**scn.audit_during_transfers(seed, SCHEDULES), "expected": 400},
                   "audit([a, b, c, d]) while transfer(a, b, 30) and transfer(c, d, 20) run")


def test_opposite_transfers_never_deadlock(subject, seed):
    scn = subject.load(SCENARIOS)
    result = scn.opposite_transfers(seed, SCHEDULES)
    assert result["verdict"] != "deadlock", (
        "transfer(a, b, 10) and transfer(b, a, 20) at once deadlocked: each thread took its "
        "source's lock and waits for the other's. Take the two locks in one global order "
        f"(not in argument order).\n{result['story']}")
    judge(result, "transfer(a, b, 10) and transfer(b, a, 20) at once")


def test_disjoint_transfers_run_at_the_same_time(subject, seed):
    scn = subject.load(SCENARIOS)
    result = scn.disjoint_transfers(seed, 50)
    assert result["verdict"] != "deadlock", (
        "transfer(a, b) and transfer(c, d) share no account; while changing a balance each waits "
        "for the other to get that far too. They never both got in: one waited for a lock the "
        "other held, so the whole bank has one lock. Lock the accounts involved, not the bank."
        f"\n{result['story']}")
    judge(result, "transfer(a, b) and transfer(c, d) at the same time")
