# rejects: test_disjoint_transfers_run_at_the_same_time
"""One lock for the whole bank: always correct, but only one transfer at a time, anywhere."""

import threading

_bank_lock = threading.RLock()


class InsufficientFunds(Exception):
    pass


class Account:
    def __init__(self, owner, balance=0):
        if balance < 0:
            raise ValueError("negative balance")
        self.owner = owner
        self._balance = balance

    @property
    def balance(self):
        with _bank_lock:
            return self._balance

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        with _bank_lock:
            self._balance += amount

    def withdraw(self, amount):
        if amount <= 0:
            raise ValueError("amount must be positive")
        with _bank_lock:
            if amount > self._balance:
                raise InsufficientFunds(self.owner)
            self._balance -= amount


def transfer(src, dst, amount):
    if src is dst or amount <= 0:
        raise ValueError("bad transfer")
    with _bank_lock:
        src.withdraw(amount)
        dst.deposit(amount)


def audit(accounts):
    with _bank_lock:
        return sum(a.balance for a in accounts)
