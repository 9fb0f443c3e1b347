# rejects: test_audit_during_transfers_sees_all_the_money
"""transfer reuses the public methods: src.withdraw(amount), then dst.deposit(amount).

Each call holds its own account's lock, so the balances never tear and no lock
order is needed, but between the two calls the money is in neither account:
an audit that runs then (holding every lock, a perfect snapshot) sees too little.
"""

import threading
from contextlib import ExitStack


class InsufficientFunds(Exception):
    """Not enough money."""


class Account:
    def __init__(self, owner: str, balance: int = 0):
        if balance < 0:
            raise ValueError("balance must not be negative")
        self.owner = owner
        self._lock = threading.Lock()
        self._balance = balance

    @property
    def balance(self) -> int:
        with self._lock:
            return self._balance

    def deposit(self, amount: int) -> None:
        if amount <= 0:
            raise ValueError("amount must be positive")
        with self._lock:
            self._balance = self._balance + amount

    def withdraw(self, amount: int) -> None:
        if amount <= 0:
            raise ValueError("amount must be positive")
        with self._lock:
            if self._balance < amount:
                raise InsufficientFunds(f"{self.owner}: {self._balance} < {amount}")
            self._balance = self._balance - amount


def transfer(src: Account, dst: Account, amount: int) -> None:
    if src is dst:
        raise ValueError("same account")
    src.withdraw(amount)   # raises before anything changed if src is short
    dst.deposit(amount)


def audit(accounts) -> int:
    with ExitStack() as stack:
        for acct in sorted(set(accounts), key=id):
            stack.enter_context(acct._lock)
        return sum(acct._balance for acct in accounts)
