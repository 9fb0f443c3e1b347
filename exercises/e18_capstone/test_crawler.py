"""Visible tests for e18: run `pytest exercises/e18_capstone`."""

from __future__ import annotations

import os
import time
from pathlib import Path

from crawler import process_documents

from grader.instruments import InFlight


def word_count(text: str) -> int:
    """A picklable, module-level analysis (CPU-bound in real life)."""
    if "corrupt" in text.split():
        raise ValueError("corrupt document")
    return len(text.split())


def where_and_when(text: str) -> tuple[int, float]:
    """The analysis: leaves a mark, and says which process ran it and when it started."""
    (Path(os.environ["MEETING_DIR"]) / f"analysed-{os.getpid()}").touch()
    return os.getpid(), time.monotonic()


def meets_another_analysis(text: str) -> bool:
    """An analysis that waits (up to 2 s) until one in another process has started too."""
    folder = Path(os.environ["MEETING_DIR"])
    (folder / str(os.getpid())).touch()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        if any(p.name != str(os.getpid()) for p in folder.iterdir()):
            return True
        time.sleep(0.01)
    return False


def page(url: str) -> str:
    return f"page at {url} " + "word " * (len(url) % 7)


URLS = [f"http://example.test/doc/{i}" for i in range(10)]


def test_every_url_is_analysed():
    got = process_documents(URLS, InFlight(page, delay=0.01), word_count, io_workers=4, cpu_workers=2)
    assert got == {u: word_count(page(u)) for u in URLS}, "each URL maps to analyze(fetch(url))"


def test_errors_stay_with_their_url():
    def fetch(url):
        if url == URLS[1]:
            raise ConnectionError("refused")
        return "a corrupt page" if url == URLS[2] else page(url)

    got = process_documents(URLS, fetch, word_count, io_workers=4, cpu_workers=2)
    assert isinstance(got[URLS[1]], ConnectionError), "a failed fetch becomes that URL's value"
    assert isinstance(got[URLS[2]], ValueError), "a failed analysis becomes that URL's value"
    assert got[URLS[3]] == word_count(page(URLS[3])), "other URLs are unaffected"


def test_fetches_overlap_and_analysis_runs_in_processes(tmp_path, monkeypatch):
    monkeypatch.setenv("MEETING_DIR", str(tmp_path))

    def fetch_last_when_analysis_began(url: str) -> str:
        """The last fetch waits (up to 5 s) until some analysis has started."""
        deadline = time.monotonic() + (5 if url == URLS[-1] else 0.02)
        while time.monotonic() < deadline and not (url == URLS[-1] and any(tmp_path.iterdir())):
            time.sleep(0.01)
        return page(url)

    fetch = InFlight(fetch_last_when_analysis_began)
    got = process_documents(URLS, fetch, where_and_when, io_workers=5, cpu_workers=2)
    last_fetch_done = max(end for _start, end in fetch.intervals)
    first_analysis = min(started for _pid, started in got.values())
    assert fetch.peak > 1, "fetch calls ran one at a time: run them in threads"
    assert os.getpid() not in {pid for pid, _started in got.values()}, (
        "analyze ran in this process: use a process pool")
    assert first_analysis < last_fetch_done, (
        "no analysis started before the last fetch finished: hand each page to the "
        "processes as soon as it arrives")


def test_analyses_run_in_several_processes_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv("MEETING_DIR", str(tmp_path))
    got = process_documents(URLS[:2], page, meets_another_analysis, io_workers=2, cpu_workers=2)
    assert any(got.values()), (
        "with cpu_workers=2, two analyses never ran at the same time in two processes")
