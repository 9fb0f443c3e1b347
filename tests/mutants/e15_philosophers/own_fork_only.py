# rejects: test_neighbours_never_eat_together
"""Each philosopher locks only "their own" fork: the one they share with the right neighbour is up for grabs."""

import threading


def dine(n, meals, eat=None):
    if n < 2:
        raise ValueError("need at least 2 philosophers")
    forks = [threading.Lock() for _ in range(n)]
    eaten = [0] * n

    def philosopher(i):
        for _ in range(meals):
            with forks[i]:
                if eat:
                    eat(i)
                eaten[i] += 1

    threads = [threading.Thread(target=philosopher, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return eaten
