"""A correct memoize in another style: one concurrent.futures.Future per key in flight."""

import threading
from concurrent.futures import Future


def memoize(fn):
    done = {}
    flying = {}
    lock = threading.Lock()

    def wrapper(key):
        with lock:
            if key in done:
                return done[key]
            fut = flying.get(key)
            mine = fut is None
            if mine:
                fut = flying[key] = Future()
        if mine:
            try:
                value = fn(key)
            except BaseException as exc:
                with lock:
                    del flying[key]
                fut.set_exception(exc)
                raise
            with lock:
                done[key] = value
                del flying[key]
            fut.set_result(value)
            return value
        return fut.result()

    return wrapper
