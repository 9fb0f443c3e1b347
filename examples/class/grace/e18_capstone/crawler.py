"""Fetch in threads, analyse in processes, both at once (reference solution)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from typing import TypeVar

T = TypeVar("T")


def process_documents(urls: Sequence[str], fetch: Callable[[str], str],
                      analyze: Callable[[str], T], io_workers: int = 8,
                      cpu_workers: int | None = None) -> dict[str, T | Exception]:
    """``{url: analyze(fetch(url))}``, or the exception either step raised for that URL.

    Each fetched page goes to the process pool as soon as it arrives, so
    analysis starts while slower pages are still downloading.
    """
    if io_workers < 1 or (cpu_workers is not None and cpu_workers < 1):
        raise ValueError("io_workers and cpu_workers must be at least 1")
    unique = list(dict.fromkeys(urls))
    results: dict[str, T | Exception] = {}
    if not unique:
        return results
    with ThreadPoolExecutor(io_workers) as io, ProcessPoolExecutor(cpu_workers) as cpu:
        fetches = {io.submit(fetch, url): url for url in unique}
        analyses: dict[str, Future] = {}
        for done in as_completed(fetches):
            url = fetches[done]
            error = done.exception()
            if error is not None:
                results[url] = error
            else:
                analyses[url] = cpu.submit(analyze, done.result())
        for url, future in analyses.items():
            error = future.exception()
            results[url] = error if error is not None else future.result()
    return {url: results[url] for url in unique}
