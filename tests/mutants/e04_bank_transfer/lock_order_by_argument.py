# rejects: test_opposite_transfers_never_deadlock
"""Locks src, then dst (and audit in list order): transfer(a, b) and transfer(b, a) each hold one lock and wait for the other."""

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
    with src._lock, dst._lock:
        if amount > src._balance:
            raise InsufficientFunds(src.owner)
        src._balance -= amount
        dst._balance += amount


def audit(accounts):
    locks = [a._lock for a in accounts]
    for lock in locks:
        lock.acquire()
    try:
        return sum(a._balance for a in accounts)
    finally:
        for lock in reversed(locks):
            lock.release()
