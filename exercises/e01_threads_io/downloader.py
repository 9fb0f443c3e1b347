"""e01 - Threads for I/O: download many URLs at once.

Downloading is I/O-bound: a thread waiting for the network holds no CPU and
releases the GIL, so several downloads can wait at the same time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable


def download_all(
    urls: Iterable[str], fetch: Callable[[str], bytes], max_workers: int = 8
) -> dict[str, bytes | Exception]:
    """Fetch every distinct URL exactly once, using threads.

    - Never more than ``max_workers`` calls to ``fetch`` in flight at once.
    - Returns one key per distinct URL; the value is what ``fetch`` returned,
      or the exception instance ``fetch`` raised for that URL (the other URLs
      are not affected).
    - ``max_workers < 1`` raises ``ValueError``; no URLs gives ``{}``.
    - Every worker thread has finished when this function returns.
    """
    # TODO: validate max_workers, then fetch the URLs in a pool of threads.
    raise NotImplementedError("download_all is not written yet: see README.md")
