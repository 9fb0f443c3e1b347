# rejects: test_exceptions_are_values
"""Only the timeout is caught: the first fetch that raises ends fetch_all for every URL."""

from __future__ import annotations

import asyncio


async def fetch_all(urls, fetch, limit=10, timeout=1.0):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    slots = asyncio.Semaphore(limit)

    async def one(url):
        async with slots:
            try:
                return await asyncio.wait_for(fetch(url), timeout)
            except TimeoutError as exc:
                return exc

    unique = list(dict.fromkeys(urls))
    values = await asyncio.gather(*(one(url) for url in unique))
    return dict(zip(unique, values))


async def run_blocking(fn, *args):
    return await asyncio.to_thread(fn, *args)

