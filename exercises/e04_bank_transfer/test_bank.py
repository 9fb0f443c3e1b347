"""Visible tests for e04: run `pytest exercises/e04_bank_transfer`.

The concurrent tests use the interleaving explorer: it runs your threads one
step at a time in dozens of different orders, and when an order breaks
the bank it prints that order, line by line.
"""

from __future__ import annotations

import threading

import pytest
from bank import Account, InsufficientFunds, audit, transfer

from grader.interleave import explore
from grader.interleave.fresh import fresh_module

#: bank.py run anew for each schedule: the locks it makes are then ones the explorer sees.
fresh_bank = fresh_module("bank")
#: Orders tried per test: a lost update or a deadlock here shows within the first few;
#: the grader's hidden tests try many more.
SCHEDULES = 50


def test_account_rules():
    acct = Account("ann", 50)
    acct.deposit(25)
    acct.withdraw(70)
    assert acct.balance == 5, f"50, deposit(25), withdraw(70): expected 5, got {acct.balance}"
    with pytest.raises(InsufficientFunds):
        acct.withdraw(6)
    assert acct.balance == 5, "a refused withdrawal leaves the balance unchanged"
    with pytest.raises(ValueError):
        acct.deposit(0)
    with pytest.raises(ValueError):
        Account("bob", -1)


def test_transfer_rules():
    a, b = Account("ann", 100), Account("bob", 20)
    transfer(a, b, 30)
    assert (a.balance, b.balance) == (70, 50), "transfer(a, b, 30) moves 30 from a to b"
    with pytest.raises(InsufficientFunds):
        transfer(b, a, 51)
    assert (a.balance, b.balance) == (70, 50), "a refused transfer leaves both unchanged"
    with pytest.raises(ValueError):
        transfer(a, a, 10)
    assert audit([a, b]) == 120, "audit adds up the balances"


def test_two_withdrawals_never_overdraw():
    def setup():
        bank = fresh_bank()
        return bank, bank.Account("ann", 100), []

    def withdraw(s):
        bank, acct, paid = s
        try:
            acct.withdraw(60)
            paid.append(60)
        except bank.InsufficientFunds:
            pass

    def one_paid(s):
        assert s[1].balance == 40 and s[2] == [60], (
            f"two withdrawals of 60 from 100: paid {s[2]}, balance {s[1].balance}")

    result = explore(setup, [withdraw, withdraw], one_paid, schedules=SCHEDULES)
    assert result.verdict == "ok", result.story


def test_chained_transfers_conserve_money():
    def setup():
        bank = fresh_bank()
        return bank, [bank.Account(n, 100) for n in "abc"]

    def exact(s):
        got = [acct.balance for acct in s[1]]
        assert got == [90, 90, 120], (
            f"a->b 10 and b->c 20 at once: balances {got}, expected [90, 90, 120]")

    result = explore(setup, [lambda s: s[0].transfer(s[1][0], s[1][1], 10),
                             lambda s: s[0].transfer(s[1][1], s[1][2], 20)], exact,
                     schedules=SCHEDULES)
    assert result.verdict == "ok", result.story


def test_audit_during_transfers_sees_all_the_money():
    def setup():
        bank = fresh_bank()
        return bank, [bank.Account(n, 100) for n in "abcd"], []

    def auditor(s):
        s[2].append(s[0].audit(s[1]))

    def all_there(s):
        assert s[2] == [400], f"the bank holds 400 but audit returned {s[2][0]}"

    result = explore(setup, [lambda s: s[0].transfer(s[1][0], s[1][1], 30),
                             lambda s: s[0].transfer(s[1][2], s[1][3], 20), auditor],
                     all_there, schedules=SCHEDULES)
    assert result.verdict == "ok", result.story


def test_opposite_transfers_never_deadlock():
    def setup():
        bank = fresh_bank()
        return bank, bank.Account("ann", 100), bank.Account("bob", 100)

    result = explore(setup, [lambda s: s[0].transfer(s[1], s[2], 10),
                             lambda s: s[0].transfer(s[2], s[1], 20)],
                     schedules=SCHEDULES)
    assert result.verdict == "ok", result.story


class MeetingAmount(int):
    """The amount 10; changing a balance by it waits until the other thread does too."""

    barrier = None

    def __radd__(self, other):
        if other in (1000, 2000, 3000, 4000):  # a balance: we are inside a transfer
            self.barrier.wait()
        return other + int(self)

    def __rsub__(self, other):
        if other in (1000, 2000, 3000, 4000):
            self.barrier.wait()
        return other - int(self)


def test_disjoint_transfers_run_at_the_same_time():
    def setup():
        bank = fresh_bank()
        amount = MeetingAmount(10)
        amount.barrier = threading.Barrier(2)
        return bank, [bank.Account(n, v) for n, v in zip("abcd", (1000, 2000, 3000, 4000), strict=True)], amount

    result = explore(setup, [lambda s: s[0].transfer(s[1][0], s[1][1], s[2]),
                             lambda s: s[0].transfer(s[1][2], s[1][3], s[2])], schedules=SCHEDULES)
    assert result.verdict != "deadlock", (
        "transfer(a, b) and transfer(c, d) share no account, yet one waited for a lock the other "
        "held: is there one lock for the whole bank?\n" + result.story)
    assert result.verdict == "ok", result.story
