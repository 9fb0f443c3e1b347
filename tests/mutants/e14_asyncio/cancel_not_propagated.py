# rejects: test_cancelling_fetch_all_cancels_its_fetches
"""asyncio.wait() does not cancel its tasks: cancelling fetch_all leaves every fetch running."""

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
            except Exception as exc:
                return exc

    tasks = {url: asyncio.create_task(one(url)) for url in dict.fromkeys(urls)}
    if tasks:
        await asyncio.wait(tasks.values())
    return {url: task.result() for url, task in tasks.items()}


async def run_blocking(fn, *args):
    return await asyncio.to_thread(fn, *args)

