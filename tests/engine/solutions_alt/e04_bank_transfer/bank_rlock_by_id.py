"""A correct bank in another style: re-entrant locks taken in id() order, public methods reused."""

import threading


class InsufficientFunds(Exception):
    pass


class Account:
    def __init__(self, owner, balance=0):
        if balance < 0:
            raise ValueError("an account cannot start below zero")
        self.owner = owner
        self._money = balance
        self.lock = threading.RLock()

    @property
    def balance(self):
        with self.lock:
            return self._money

    def deposit(self, amount):
        if amount <= 0:
            raise ValueError("deposit a positive amount")
        with self.lock:
            self._money += amount

    def withdraw(self, amount):
        if amount <= 0:
            raise ValueError("withdraw a positive amount")
        with self.lock:
            if amount > self._money:
                raise InsufficientFunds(self.owner)
            self._money -= amount


def _in_order(accounts):
    return sorted({id(a): a for a in accounts}.values(), key=id)


def transfer(src, dst, amount):
    if src is dst:
        raise ValueError("source and destination are the same account")
    if amount <= 0:
        raise ValueError("transfer a positive amount")
    first, second = _in_order([src, dst])
    with first.lock, second.lock:   # both held: withdraw and deposit re-enter them
        src.withdraw(amount)
        dst.deposit(amount)


def audit(accounts):
    held = []
    try:
        for acct in _in_order(accounts):
            acct.lock.acquire()
            held.append(acct)
        return sum(a._money for a in accounts)
    finally:
        for acct in reversed(held):
            acct.lock.release()
