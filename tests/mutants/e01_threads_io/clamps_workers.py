# rejects: test_bad_arguments
"""Quietly turns max_workers=0 into 1 instead of rejecting it."""

from concurrent.futures import ThreadPoolExecutor


def download_all(urls, fetch, max_workers=8):
    unique = list(dict.fromkeys(urls))
    with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        futures = {u: pool.submit(fetch, u) for u in unique}
        return {u: (f.exception() or f.result()) for u, f in futures.items()}
