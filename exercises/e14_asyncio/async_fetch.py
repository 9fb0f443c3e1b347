"""e14 - asyncio: fetch many URLs on one event loop, a bounded number at a time.

One thread, one event loop, many coroutines: while one fetch awaits the
network, the loop runs the others.  Nothing here may block the loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


async def fetch_all(
    urls: Sequence[str],
    fetch: Callable[[str], Awaitable[bytes]],
    limit: int = 10,
    timeout: float = 1.0,
) -> dict[str, bytes | Exception]:
    """Fetch every URL with ``await fetch(url)``, at most ``limit`` at a time.

    - Returns one key per URL: what ``fetch`` returned, or the exception it
      raised for that URL; a fetch running past ``timeout`` seconds gives a
      ``TimeoutError`` instance as its value.
    - No task it started is left pending when it returns, and cancelling
      ``fetch_all`` cancels the fetches it started.
    - ``limit < 1`` raises ``ValueError`` before anything is fetched.
    """
    # TODO: check limit; run one task per URL; let at most `limit` of them fetch at once
    # (asyncio.Semaphore); give each fetch `timeout` seconds (asyncio.timeout).
    raise NotImplementedError("fetch_all is not written yet: see README.md")


async def run_blocking(fn: Callable[..., T], *args: object) -> T:
    """Run the blocking ``fn(*args)`` without stalling the event loop; return its result."""
    # TODO: run fn in a worker thread and await the result.
    raise NotImplementedError("run_blocking is not written yet: see README.md")
