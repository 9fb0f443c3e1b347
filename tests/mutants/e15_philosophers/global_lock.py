# rejects: test_non_neighbours_eat_together
"""No deadlock, because one lock around the whole table: but only one philosopher eats at a time."""

import threading


def dine(n, meals, eat=None):
    if n < 2:
        raise ValueError("need at least 2 philosophers")
    forks = [threading.Lock() for _ in range(n)]
    table = threading.Lock()
    eaten = [0] * n

    def philosopher(i):
        for _ in range(meals):
            with table, forks[i], forks[(i + 1) % n]:
                if eat:
                    eat(i)
                eaten[i] += 1

    threads = [threading.Thread(target=philosopher, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return eaten
