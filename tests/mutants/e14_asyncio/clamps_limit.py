# rejects: test_bad_limit
"""Quietly turns limit=0 into 1 instead of rejecting it."""

from __future__ import annotations

import asyncio


async def fetch_all(urls, fetch, limit=10, timeout=1.0):
    slots = asyncio.Semaphore(max(1, limit))

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
    return await asyncio.to_thread(fn, *args)

