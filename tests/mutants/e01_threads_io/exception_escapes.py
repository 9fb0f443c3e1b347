# rejects: test_exceptions_are_values
"""future.result() lets the first failed fetch end the whole download."""

from concurrent.futures import ThreadPoolExecutor


def download_all(urls, fetch, max_workers=8):
    if max_workers < 1:
        raise ValueError("max_workers must be >= 1")
    unique = list(dict.fromkeys(urls))
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = {u: pool.submit(fetch, u) for u in unique}
        return {u: f.result() for u, f in futures.items()}
