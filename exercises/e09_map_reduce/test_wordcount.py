"""Visible tests for e09: run `pytest exercises/e09_map_reduce`."""

from __future__ import annotations

import multiprocessing
import threading

import pytest
from wordcount import word_count


@pytest.fixture(autouse=True)
def spawn():
    """Spawned workers re-import wordcount.py: what fork hides, spawn shows."""
    multiprocessing.set_start_method("spawn", force=True)


def run_bounded(chunks: list[str], workers: int, seconds: float = 20.0) -> dict:
    """word_count in a thread; if it hangs, kill its workers so the test run can end."""
    out: dict = {}
    thread = threading.Thread(target=lambda: out.update(result=word_count(chunks, workers)),
                              daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        stuck = multiprocessing.active_children()
        for proc in stuck:
            proc.kill()
        pytest.fail(f"word_count did not return within {seconds:g} s; {len(stuck)} worker(s) "
                    "were still alive (a missing sentinel? joined before reading the results?)")
    return out["result"]


def test_counts_words():
    chunks = ["The cat sat.", "the CAT ran; it's late", "", "o'clock 9am"]
    assert run_bounded(chunks, 2) == {"the": 2, "cat": 2, "sat": 1, "ran": 1, "it's": 1,
                                      "late": 1, "o'clock": 1, "am": 1}


def test_more_workers_than_chunks():
    assert run_bounded(["a b a"], 4) == {"a": 2, "b": 1}


def test_many_chunks_few_workers():
    chunks = [f"word {'x' * (i % 5 + 1)}" for i in range(30)]
    got = run_bounded(chunks, 3)
    assert got["word"] == 30, "every chunk must be counted exactly once"


def test_large_results():
    words = [f"w{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{chr(97 + i // 676 % 26)}"
             for i in range(17_576)]
    got = run_bounded([" ".join(words)] * 2, 2)
    assert len(got) == len(words) and set(got.values()) == {2}


def test_bad_workers():
    with pytest.raises(ValueError):
        word_count(["a"], workers=0)
    assert run_bounded([], 2) == {}


def test_no_process_left():
    run_bounded(["a b", "c d", "e f"], 2)
    left = multiprocessing.active_children()
    assert not left, f"processes still running after word_count returned: {left}"
