"""e02 - Processes for CPU-bound work: count primes on every core.

Counting primes is CPU-bound: the time goes into running Python bytecode,
and in a standard CPython only one thread at a time may do that (the GIL).
Worker *processes* each have their own interpreter and their own GIL.
"""

from __future__ import annotations


def count_primes(limit: int) -> int:
    """Number of primes below ``limit``, by trial division: pure Python, CPU-bound.

    Given: do not change it; send it to the workers.
    """
    count = 0
    for n in range(2, limit):
        d = 2
        while d * d <= n:
            if n % d == 0:
                break
            d += 1
        else:
            count += 1
    return count


def count_primes_parallel(limits: list[int], workers: int, mp_context=None) -> list[int]:
    """``[count_primes(n) for n in limits]``, computed in worker processes.

    - Result ``i`` is ``count_primes(limits[i])``: input order, whatever order
      the workers finish in.
    - At most ``workers`` processes; ``workers < 1`` raises ``ValueError``
      before any process starts.
    - ``mp_context`` (e.g. ``multiprocessing.get_context("spawn")``), when given,
      is the context the pool must start its processes with.
    - Must work under the ``spawn`` start method: only module-level functions
      can be sent to the workers (no lambdas, no nested functions).
    - No child process is left running when it returns.
    """
    # TODO: validate workers, then map count_primes over limits in a process pool.
    raise NotImplementedError("count_primes_parallel is not written yet: see README.md")
