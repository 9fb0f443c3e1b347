"""Visible tests for e09: run `pytest exercises/e09_map_reduce`."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import multiprocessing.pool

import pytest
from wordcount import word_count

from grader.student.children import ChildProcesses


@pytest.fixture(autouse=True)
def spawn():
    """Spawned workers re-import wordcount.py: what fork hides, spawn shows."""
    multiprocessing.set_start_method("spawn", force=True)


def test_counts_words():
    chunks = ["The cat sat.", "the CAT ran; it's late", "", "o'clock 9am"]
    assert word_count(chunks, 2) == {"the": 2, "cat": 2, "sat": 1, "ran": 1, "it's": 1,
                                      "late": 1, "o'clock": 1, "am": 1}


def test_more_workers_than_chunks():
    assert word_count(["a b a"], 4) == {"a": 2, "b": 1}


def record_pools(monkeypatch) -> list[str]:
    """The names of the ready-made pools that get built from now on (they still work)."""
    built: list[str] = []
    for cls in (multiprocessing.pool.Pool, concurrent.futures.ProcessPoolExecutor):
        def init(self, *args, _cls=cls, _init=cls.__init__, **kwargs):
            built.append(_cls.__name__)
            _init(self, *args, **kwargs)
        monkeypatch.setattr(cls, "__init__", init)
    return built


def test_many_chunks_few_workers(monkeypatch):
    chunks = [f"word {'x' * (i % 5 + 1)}" for i in range(30)]
    pools = record_pools(monkeypatch)
    with ChildProcesses() as seen:
        got = word_count(chunks, 3)
    assert not pools, (
        f"word_count built a {pools[0]}: here you build what a pool does yourself, with "
        "multiprocessing.Process workers, a task queue and a result queue")
    assert got["word"] == 30, "every chunk must be counted exactly once"
    assert seen.workers, "no worker process ran: count in multiprocessing.Process workers"
    assert len(seen.workers) <= 3, (
        f"{len(seen.workers)} worker processes for workers=3: start 3 and feed them all the chunks")


def test_large_results():
    words = [f"w{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}{chr(97 + i // 676 % 26)}"
             for i in range(17_576)]
    got = word_count([" ".join(words)] * 2, 2)
    assert len(got) == len(words) and set(got.values()) == {2}


def test_bad_workers():
    with pytest.raises(ValueError):
        word_count(["a"], workers=0)
    assert word_count([], 2) == {}


def test_no_process_left():
    word_count(["a b", "c d", "e f"], 2)
    left = multiprocessing.active_children()
    assert not left, f"processes still running after word_count returned: {left}"
