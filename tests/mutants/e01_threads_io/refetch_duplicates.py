# rejects: test_each_distinct_url_fetched_once
"""Submits every URL, duplicates included; the dict hides the extra fetches."""

from concurrent.futures import ThreadPoolExecutor


def download_all(urls, fetch, max_workers=8):
    if max_workers < 1:
        raise ValueError("max_workers must be >= 1")
    urls = list(urls)
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = [(u, pool.submit(fetch, u)) for u in urls]
        return {u: (f.exception() or f.result()) for u, f in futures}
