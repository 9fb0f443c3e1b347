"""Visible tests for e01: run `pytest exercises/e01_threads_io`."""

from __future__ import annotations

import threading
import time

import pytest
from downloader import download_all

from grader.instruments import InFlight


def body(url: str) -> bytes:
    return f"<html>{url}</html>".encode()


URLS = [f"http://example.test/{i}" for i in range(12)]


def test_every_url_gets_its_page():
    got = download_all(URLS, body, max_workers=4)
    assert got == {u: body(u) for u in URLS}


def test_a_failing_url_becomes_its_exception():
    boom = ConnectionError("refused")

    def fetch(url):
        if url == URLS[3]:
            raise boom
        return body(url)

    got = download_all(URLS, fetch, max_workers=4)
    assert got[URLS[3]] is boom, "the value for a failed URL is the exception fetch raised"
    assert got[URLS[4]] == body(URLS[4]), "one failure must not affect the other URLs"


def test_duplicates_are_fetched_once():
    fetch = InFlight(body)
    got = download_all(URLS[:3] * 3, fetch, max_workers=2)
    assert not fetch.repeated(), f"fetched more than once: {fetch.repeated()}"
    assert sorted(got) == sorted(URLS[:3])


def test_downloads_overlap_but_respect_max_workers():
    fetch = InFlight(body, delay=0.05)
    start = time.perf_counter()
    download_all(URLS, fetch, max_workers=3)
    elapsed = time.perf_counter() - start
    assert fetch.peak <= 3, f"{fetch.peak} fetches ran at once, but max_workers=3"
    assert fetch.peak == 3, f"only {fetch.peak} fetch ran at a time: are you using threads?"
    # one at a time, the 12 waits of 0.05 s take 0.6 s at least; 3 at a time, about 0.2 s
    assert elapsed < 12 * 0.05, f"took {elapsed:.2f} s, as long as 12 waits one after another"


def test_bad_arguments():
    with pytest.raises(ValueError):
        download_all(URLS, body, max_workers=0)
    assert download_all([], body) == {}


def test_no_thread_left_running():
    before = threading.active_count()
    download_all(URLS, InFlight(body, delay=0.01), max_workers=4)
    assert threading.active_count() == before, "worker threads are still alive: shut the pool down"
