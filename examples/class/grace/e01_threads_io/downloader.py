"""Download many URLs at once with threads (reference solution)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor


def download_all(
    urls: Iterable[str], fetch: Callable[[str], bytes], max_workers: int = 8
) -> dict[str, bytes | Exception]:
    """Fetch every distinct URL once, at most ``max_workers`` at a time.

    Returns what ``fetch`` returned for each URL, or the exception it raised.
    """
    if max_workers < 1:
        raise ValueError(f"max_workers must be at least 1, got {max_workers}")
    unique = list(dict.fromkeys(urls))
    results: dict[str, bytes | Exception] = {}
    if not unique:
        return results
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = {url: pool.submit(fetch, url) for url in unique}
        for url, future in futures.items():
            error = future.exception()
            results[url] = error if error is not None else future.result()
    return results
