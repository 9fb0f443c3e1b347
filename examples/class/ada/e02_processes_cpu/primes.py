"""Count primes below many limits in parallel worker processes (reference solution)."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor


def count_primes(limit: int) -> int:
    """Number of primes below ``limit``, by trial division: pure Python, CPU-bound."""
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
    """``[count_primes(n) for n in limits]``, computed in ``workers`` processes, in input order."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    if not limits:
        return []
    with ProcessPoolExecutor(max_workers=workers, mp_context=mp_context) as pool:
        return list(pool.map(count_primes, limits))
