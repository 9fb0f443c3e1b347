# rejects: test_never_more_than_max_workers, test_io_overlaps
"""One thread per URL: ignores max_workers."""

import threading


def download_all(urls, fetch, max_workers=8):
    if max_workers < 1:
        raise ValueError("max_workers must be >= 1")
    unique = list(dict.fromkeys(urls))
    results = {}

    def work(url):
        try:
            results[url] = fetch(url)
        except Exception as exc:
            results[url] = exc

    threads = [threading.Thread(target=work, args=(u,)) for u in unique]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
