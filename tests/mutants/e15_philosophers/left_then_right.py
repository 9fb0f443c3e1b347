# rejects: test_never_deadlocks
# may also fail: test_everyone_eats
"""Everyone picks up the left fork, then the right one: all hold one fork and wait forever."""

import threading


def dine(n, meals, eat=None):
    if n < 2:
        raise ValueError("need at least 2 philosophers")
    forks = [threading.Lock() for _ in range(n)]
    eaten = [0] * n

    def philosopher(i):
        left, right = forks[i], forks[(i + 1) % n]
        for _ in range(meals):
            with left:
                with right:
                    if eat:
                        eat(i)
                    eaten[i] += 1

    threads = [threading.Thread(target=philosopher, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return eaten
