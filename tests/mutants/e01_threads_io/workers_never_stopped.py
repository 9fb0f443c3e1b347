# rejects: test_threads_finished_on_return
"""Hand-made worker threads wait on the queue forever: nobody tells them to stop."""

import queue
import threading


def download_all(urls, fetch, max_workers=8):
    if max_workers < 1:
        raise ValueError("max_workers must be >= 1")
    unique = list(dict.fromkeys(urls))
    todo = queue.Queue()
    done = queue.Queue()
    for url in unique:
        todo.put(url)

    def worker():
        while True:
            url = todo.get()
            try:
                done.put((url, fetch(url)))
            except Exception as exc:
                done.put((url, exc))

    for _ in range(max_workers):
        threading.Thread(target=worker, daemon=True).start()
    return dict(done.get() for _ in unique)
