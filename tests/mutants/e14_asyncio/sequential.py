# rejects: test_never_more_than_limit_in_flight, test_total_time_close_to_rounds_times_latency
"""Awaits one fetch after the other: correct values, but nothing overlaps."""

from __future__ import annotations

import asyncio


async def fetch_all(urls, fetch, limit=10, timeout=1.0):
    if limit < 1:
        raise ValueError("limit must be at least 1")
    results = {}
    for url in dict.fromkeys(urls):
        try:
            results[url] = await asyncio.wait_for(fetch(url), timeout)
        except Exception as exc:
            results[url] = exc
    return results


async def run_blocking(fn, *args):
    return await asyncio.to_thread(fn, *args)

