# rejects: test_never_more_than_max_workers, test_io_overlaps
"""Correct results, but one fetch after another: no overlap of I/O waits."""


def download_all(urls, fetch, max_workers=8):
    if max_workers < 1:
        raise ValueError("max_workers must be >= 1")
    results = {}
    for url in dict.fromkeys(urls):
        try:
            results[url] = fetch(url)
        except Exception as exc:
            results[url] = exc
    return results
