# rejects: test_timeouts_are_values
"""Bounded and concurrent, but the timeout is never applied: a slow fetch takes as long as it likes."""

from __future__ import annotations

import asyncio


async def fetch_all(urls, fetch, limit=10, timeout=1.0):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    slots = asyncio.Semaphore(limit)

    async def one(url):
        async with slots:
            try:
                return await fetch(url)
            except Exception as exc:
                return exc

    async with asyncio.TaskGroup() as group:
        tasks = {url: group.create_task(one(url)) for url in dict.fromkeys(urls)}
    return {url: task.result() for url, task in tasks.items()}


async def run_blocking(fn, *args):
    return await asyncio.to_thread(fn, *args)

