# rejects: test_errors_are_captured_per_url
"""future.result() everywhere: the first failed fetch or analysis ends the whole crawl."""

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed


def process_documents(urls, fetch, analyze, io_workers=8, cpu_workers=None):
    unique = list(dict.fromkeys(urls))
    with ThreadPoolExecutor(io_workers) as io, ProcessPoolExecutor(cpu_workers) as cpu:
        fetches = {io.submit(fetch, url): url for url in unique}
        analyses = {fetches[f]: cpu.submit(analyze, f.result()) for f in as_completed(fetches)}
        return {url: analyses[url].result() for url in unique}
