# rejects: test_fetches_run_in_threads, test_analysis_runs_in_processes, test_end_to_end_speed
"""One URL after another: fetch, analyse, next. Correct, and as slow as it gets."""


def process_documents(urls, fetch, analyze, io_workers=8, cpu_workers=None):
    results = {}
    for url in dict.fromkeys(urls):
        try:
            results[url] = analyze(fetch(url))
        except Exception as exc:
            results[url] = exc
    return results
