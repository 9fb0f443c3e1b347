# rejects: test_fetching_and_analysis_overlap
"""Right tools, wrong plan: every page is fetched before the first analysis starts."""

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor


def process_documents(urls, fetch, analyze, io_workers=8, cpu_workers=None):
    unique = list(dict.fromkeys(urls))
    results = {}
    with ThreadPoolExecutor(io_workers) as io:
        fetched = {url: io.submit(fetch, url) for url in unique}
    pages = {}
    for url, fut in fetched.items():
        if fut.exception() is not None:
            results[url] = fut.exception()
        else:
            pages[url] = fut.result()
    with ProcessPoolExecutor(cpu_workers) as cpu:
        analysed = {url: cpu.submit(analyze, text) for url, text in pages.items()}
        for url, fut in analysed.items():
            results[url] = fut.exception() if fut.exception() is not None else fut.result()
    return {url: results[url] for url in unique}
