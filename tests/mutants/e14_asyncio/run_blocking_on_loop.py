# rejects: test_run_blocking_keeps_the_loop_running
"""run_blocking calls fn right on the event loop's thread: every other task stops meanwhile."""

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

    async with asyncio.TaskGroup() as group:
        tasks = {url: group.create_task(one(url)) for url in dict.fromkeys(urls)}
    return {url: task.result() for url, task in tasks.items()}


async def run_blocking(fn, *args):
    return fn(*args)
