# rejects: test_never_more_than_limit_in_flight, test_total_time_close_to_rounds_times_latency
"""gather() over every URL at once: the limit is checked, then ignored."""

from __future__ import annotations

import asyncio


async def fetch_all(urls, fetch, limit=10, timeout=1.0):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    unique = list(dict.fromkeys(urls))

    async def one(url):
        try:
            return await asyncio.wait_for(fetch(url), timeout)
        except Exception as exc:
            return exc

    values = await asyncio.gather(*(one(url) for url in unique))
    return dict(zip(unique, values))


async def run_blocking(fn, *args):
    return await asyncio.to_thread(fn, *args)

