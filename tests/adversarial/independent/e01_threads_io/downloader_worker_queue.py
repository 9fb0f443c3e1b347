"""e01 without an executor: a fixed crew of worker threads pulling URLs from a queue.Queue."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable

_DONE = object()


def download_all(urls: Iterable[str], fetch: Callable[[str], bytes],
                 max_workers: int = 8) -> dict[str, bytes | Exception]:
    if max_workers < 1:
        raise ValueError("max_workers must be >= 1")
    unique = list(dict.fromkeys(urls))
    todo: queue.Queue = queue.Queue()
    for url in unique:
        todo.put(url)
    crew = min(max_workers, len(unique))
    for _ in range(crew):
        todo.put(_DONE)
    results: dict[str, bytes | Exception] = {}
    guard = threading.Lock()

    def work() -> None:
        while (url := todo.get()) is not _DONE:
            try:
                value: bytes | Exception = fetch(url)
            except Exception as exc:
                value = exc
            with guard:
                results[url] = value

    threads = [threading.Thread(target=work) for _ in range(crew)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {url: results[url] for url in unique}
