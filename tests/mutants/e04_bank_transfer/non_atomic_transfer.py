# rejects: test_audit_during_transfers_sees_all_the_money
"""transfer = withdraw, then deposit: in between, the money is in neither account."""

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
    src.withdraw(amount)
    dst.deposit(amount)


def audit(accounts):
    locks = [a._lock for a in _ordered(*set(accounts))]
    for lock in locks:
        lock.acquire()
    try:
        return sum(a._balance for a in accounts)
    finally:
        for lock in reversed(locks):
            lock.release()
