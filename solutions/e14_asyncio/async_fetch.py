"""Fetch many URLs on one event loop, a bounded number at a time (reference solution)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


async def fetch_all(
    urls: Sequence[str],
    fetch: Callable[[str], Awaitable[bytes]],
    limit: int = 10,
    timeout: float = 1.0,
) -> dict[str, bytes | Exception]:
    """Fetch every URL, at most ``limit`` at a time; a fetch past ``timeout`` s gives TimeoutError."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    slots = asyncio.Semaphore(limit)

    async def one(url: str) -> bytes | Exception:
        async with slots:  # waits here, not inside fetch, while `limit` fetches run
            try:
                async with asyncio.timeout(timeout):  # cancels the fetch when time is up
                    return await fetch(url)
            except Exception as exc:  # TimeoutError included: a value, not a crash
                return exc

    # The task group waits for every task, and cancels them all if fetch_all is cancelled.
    async with asyncio.TaskGroup() as group:
        tasks = {url: group.create_task(one(url)) for url in dict.fromkeys(urls)}
    return {url: task.result() for url, task in tasks.items()}


async def run_blocking(fn: Callable[..., T], *args: object) -> T:
    """Run ``fn(*args)`` in a worker thread, so the event loop keeps serving other tasks."""
    return await asyncio.to_thread(fn, *args)
