"""Bank accounts with atomic transfers and consistent audits (reference solution).

Each account has its own lock. Anything that needs several accounts takes
their locks in one global order (by creation number), so two threads can
never each hold one lock while waiting for the other's.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager

_numbers = itertools.count()


class InsufficientFunds(Exception):
    """The account holds less than the amount asked for."""


def _check_amount(amount: int) -> None:
    if amount <= 0:
        raise ValueError(f"amount must be positive, got {amount}")


class Account:
    """A balance that many threads may use at once; it never goes below zero."""

    def __init__(self, owner: str, balance: int = 0) -> None:
        if balance < 0:
            raise ValueError(f"an account cannot open with a negative balance ({balance})")
        self.owner = owner
        self._balance = balance
        self._lock = threading.Lock()
        self._number = next(_numbers)  # the lock order

    @property
    def balance(self) -> int:
        with self._lock:
            return self._balance

    def deposit(self, amount: int) -> None:
        _check_amount(amount)
        with self._lock:
            self._balance += amount

    def withdraw(self, amount: int) -> None:
        """Check and subtract under one lock: nobody can spend the money in between."""
        _check_amount(amount)
        with self._lock:
            self._take(amount)

    def _take(self, amount: int) -> None:
        if amount > self._balance:
            raise InsufficientFunds(f"{self.owner} has {self._balance}, cannot take {amount}")
        self._balance -= amount


@contextmanager
def _locked(accounts: Sequence[Account]) -> Iterator[None]:
    """Hold the locks of ``accounts`` (each once), always taken in the same order."""
    with ExitStack() as stack:
        for acct in sorted({id(a): a for a in accounts}.values(), key=lambda a: a._number):
            stack.enter_context(acct._lock)
        yield


def transfer(src: Account, dst: Account, amount: int) -> None:
    """Move ``amount`` from ``src`` to ``dst`` as one step: both change, or neither."""
    if src is dst:
        raise ValueError("cannot transfer from an account to itself")
    _check_amount(amount)
    with _locked([src, dst]):
        src._take(amount)
        dst._balance += amount


def audit(accounts: Sequence[Account]) -> int:
    """The total of all balances at one instant: every lock is held while summing."""
    with _locked(accounts):
        return sum(acct._balance for acct in accounts)
