# rejects: test_no_coroutine_left_unawaited
"""Makes every fetch coroutine up front: when cancelled, the ones never started are never awaited."""

from __future__ import annotations

import asyncio


async def fetch_all(urls, fetch, limit=10, timeout=1.0):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    slots = asyncio.Semaphore(limit)
    coroutines = {url: fetch(url) for url in dict.fromkeys(urls)}

    async def one(coroutine):
        async with slots:
            try:
                return await asyncio.wait_for(coroutine, timeout)
            except Exception as exc:
                return exc

    async with asyncio.TaskGroup() as group:
        tasks = {url: group.create_task(one(c)) for url, c in coroutines.items()}
    return {url: task.result() for url, task in tasks.items()}


async def run_blocking(fn, *args):
    return await asyncio.to_thread(fn, *args)

