"""e04 - Atomicity: bank accounts that many threads use at once.

Three classic bugs wait here: check-then-act (two withdrawals both see enough
money), a transfer that others can see half done, and two transfers in
opposite directions that each hold one lock and wait forever for the other.
"""

from __future__ import annotations

from collections.abc import Sequence


class InsufficientFunds(Exception):
    """The account holds less than the amount asked for."""


class Account:
    """A balance that many threads may use at once; it never goes below zero."""

    def __init__(self, owner: str, balance: int = 0) -> None:
        """A negative opening ``balance`` raises ``ValueError``."""
        # TODO: validate, store owner and balance, and give the account its own lock.
        raise NotImplementedError("Account is not written yet: see README.md")

    @property
    def balance(self) -> int:
        """The current balance."""
        # TODO
        raise NotImplementedError("Account.balance is not written yet")

    def deposit(self, amount: int) -> None:
        """Add ``amount``; ``amount <= 0`` raises ``ValueError``."""
        # TODO
        raise NotImplementedError("Account.deposit is not written yet")

    def withdraw(self, amount: int) -> None:
        """Take ``amount`` out.

        ``amount <= 0`` raises ``ValueError``; more than the balance raises
        ``InsufficientFunds`` and leaves the balance unchanged. Two threads
        withdrawing at once must never overdraw the account.
        """
        # TODO: the check and the subtraction must be one step.
        raise NotImplementedError("Account.withdraw is not written yet")


def transfer(src: Account, dst: Account, amount: int) -> None:
    """Move ``amount`` from ``src`` to ``dst``, all or nothing.

    ``src is dst`` or ``amount <= 0`` raises ``ValueError``; ``InsufficientFunds``
    leaves both accounts unchanged. No thread ever sees the money in neither
    account (or in both); ``transfer(a, b, x)`` and ``transfer(b, a, y)`` at the
    same time never deadlock; transfers between unrelated accounts run at the
    same time (no single lock for the whole bank).
    """
    # TODO: hold both accounts' locks, always taken in the same order.
    raise NotImplementedError("transfer is not written yet")


def audit(accounts: Sequence[Account]) -> int:
    """The sum of the balances at one instant, even while transfers run."""
    # TODO: hold every account's lock (in the same order as transfer) while you add up.
    raise NotImplementedError("audit is not written yet")
