"""e10 - Shared counters between processes: a parallel histogram.

Processes share no memory by default: a list passed to a worker is pickled,
and the worker updates its own copy. A ``multiprocessing.Array`` lives in
shared memory, so every worker sees (and can corrupt) the same counts.
"""

from __future__ import annotations

from collections.abc import Sequence


def parallel_histogram(values: Sequence[int], bins: int, workers: int = 2) -> list[int]:
    """How many of ``values`` fall in each of ``range(bins)``.

    - Check every value first: one that is not an ``int`` in ``range(bins)``
      raises ``ValueError`` before any process starts.
    - ``workers`` worker processes update one shared ``multiprocessing.Array``
      (or ``shared_memory``) of counts; no count is ever lost.
    - Every worker is joined, and everything shared is released, on return.
    - Must work under the ``spawn`` start method (module-level worker function).
    """
    # TODO: validate the values, create the shared counts, start and join the workers.
    raise NotImplementedError("parallel_histogram is not written yet: see README.md")
