# rejects: test_loop_never_blocked_while_fetching
"""A 'polite' pause with time.sleep inside the coroutine: the whole event loop stops for it."""

from __future__ import annotations

import asyncio
import time


async def fetch_all(urls, fetch, limit=10, timeout=1.0):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    slots = asyncio.Semaphore(limit)

    async def one(url):
        async with slots:
            time.sleep(0.05)  # be nice to the server
            try:
                return await asyncio.wait_for(fetch(url), timeout)
            except Exception as exc:
                return exc

    async with asyncio.TaskGroup() as group:
        tasks = {url: group.create_task(one(url)) for url in dict.fromkeys(urls)}
    return {url: task.result() for url, task in tasks.items()}


async def run_blocking(fn, *args):
    return await asyncio.to_thread(fn, *args)

