# rejects: test_no_task_left_pending
"""asyncio.wait(timeout=...) reports the late fetches as TimeoutError, but never cancels them."""

from __future__ import annotations

import asyncio


async def fetch_all(urls, fetch, limit=10, timeout=1.0):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    slots = asyncio.Semaphore(limit)

    async def one(url):
        async with slots:
            return await fetch(url)

    tasks = {url: asyncio.create_task(one(url)) for url in dict.fromkeys(urls)}
    if not tasks:
        return {}
    try:
        await asyncio.wait(tasks.values(), timeout=timeout)
    except asyncio.CancelledError:
        for task in tasks.values():
            task.cancel()
        await asyncio.gather(*tasks.values(), return_exceptions=True)
        raise
    results = {}
    for url, task in tasks.items():
        if not task.done():
            results[url] = TimeoutError(f"{url} took longer than {timeout} s")
        elif task.exception() is not None:
            results[url] = task.exception()
        else:
            results[url] = task.result()
    return results


async def run_blocking(fn, *args):
    return await asyncio.to_thread(fn, *args)

