# rejects: test_analysis_runs_in_processes, test_end_to_end_speed
"""Threads for everything: the analyses take turns on the GIL."""

from concurrent.futures import ThreadPoolExecutor


def process_documents(urls, fetch, analyze, io_workers=8, cpu_workers=None):
    unique = list(dict.fromkeys(urls))

    def one(url):
        try:
            return analyze(fetch(url))
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(io_workers) as pool:
        return dict(zip(unique, pool.map(one, unique), strict=True))
