# rejects: test_analysis_runs_in_processes, test_end_to_end_speed
"""A process pool of one: analysis leaves the GIL behind but still runs one page at a time."""

from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed


def process_documents(urls, fetch, analyze, io_workers=8, cpu_workers=None):
    unique = list(dict.fromkeys(urls))
    results = {}
    with ThreadPoolExecutor(io_workers) as io, ProcessPoolExecutor(1) as cpu:
        fetches = {io.submit(fetch, url): url for url in unique}
        analyses = {}
        for done in as_completed(fetches):
            url = fetches[done]
            if done.exception() is not None:
                results[url] = done.exception()
            else:
                analyses[url] = cpu.submit(analyze, done.result())
        for url, fut in analyses.items():
            results[url] = fut.exception() if fut.exception() is not None else fut.result()
    return {url: results[url] for url in unique}
