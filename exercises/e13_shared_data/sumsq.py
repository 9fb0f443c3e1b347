"""e13 - Resource usage: share the data with the workers, don't copy it.

Sending a big array to each worker process pickles it and gives every worker a
private copy: two workers, three times the memory. A shared-memory segment
holds the data once, and every worker reads it in place.
"""

from __future__ import annotations

from array import array


def parallel_sum_squares(data: array, workers: int = 2) -> float:
    """The sum of ``x * x`` over ``data`` (an ``array('d')``), computed by ``workers`` processes.

    - The workers read the data through ``multiprocessing.shared_memory``; no worker
      holds its own copy of it (not even of its slice).
    - The segment is closed and unlinked before returning, also when a worker fails.
    - ``workers < 1`` raises ``ValueError``; no data gives ``0.0``.
    """
    # TODO: copy data into a SharedMemory segment once, let each worker attach to it by
    # name and sum its slice in place, and release the segment in a `finally:`.
    raise NotImplementedError("parallel_sum_squares is not written yet: see README.md")
