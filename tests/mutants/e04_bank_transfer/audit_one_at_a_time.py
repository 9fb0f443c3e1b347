# rejects: test_audit_during_transfers_sees_all_the_money
"""audit adds up balance after balance: a transfer in between is counted twice (or not at all)."""

import threading


class InsufficientFunds(Exception):
    pass


class Account:
    def __init__(self, owner, balance=0):
        if balance < 0:
            raise ValueError("negative balance")
        self.owner = owner
        self._balance = balance
        self._lock = threading.Lock()

    @property
    def balance(self):
        with self._lock:
            return self._balance

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        with self._lock:
            self._balance += amount

    def withdraw(self, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        with self._lock:
            if amount > self._balance:
                raise InsufficientFunds(self.owner)
            self._balance -= amount

def _ordered(*accounts):
    return sorted(accounts, key=id)


def transfer(src, dst, amount):
    if src is dst or amount <= 0:
        raise ValueError("bad transfer")
    first, second = _ordered(src, dst)
    with first._lock, second._lock:
        if amount > src._balance:
            raise InsufficientFunds(src.owner)
        src._balance -= amount
        dst._balance += amount


def audit(accounts):
    return sum(a.balance for a in accounts)
