"""e01 without an executor: one thread per URL, a semaphore bounds the calls in flight."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable


def download_all(urls: Iterable[str], fetch: Callable[[str], bytes],
                 max_workers: int = 8) -> dict[str, bytes | Exception]:
    if max_workers < 1:
        raise ValueError("max_workers must be >= 1")
    unique = list(dict.fromkeys(urls))
    results: dict[str, bytes | Exception] = {}
    slots = threading.BoundedSemaphore(max_workers)
    guard = threading.Lock()

    def one(url: str) -> None:
        try:
            value: bytes | Exception = fetch(url)
        except Exception as exc:
            value = exc
        finally:
            slots.release()
        with guard:
            results[url] = value

    threads = []
    for url in unique:
        slots.acquire()  # never more than max_workers fetches at once
        thread = threading.Thread(target=one, args=(url,))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    return {url: results[url] for url in unique}
