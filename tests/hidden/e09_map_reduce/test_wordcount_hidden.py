"""Hidden tests for e09_map_reduce: word_count(chunks, workers=2) with Process workers and queues.

Every test forces a start method that re-imports the module in each worker
(spawn, or forkserver), so pickling mistakes show.  Hangs are bounded: a call
that does not return within DEADLINE is diagnosed from outside (which worker
is still alive, and whether it waits for a task or to hand over a result).
"""

from __future__ import annotations

import ast
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from grader.leaks import (
    bounded_call,
    hang_report,
    leftover_workers,
    release,
    shutdown_warnings,
)
from grader.proctree import TreeWatch

DEADLINE = 10.0
VOCAB = ["the", "The", "cat", "CAT", "sat", "on", "mat", "it's", "don't", "a", "dog", "ran",
         "ran!", "(away)", "o'clock", "x1y", "well-known", "naïve", "end."]


@pytest.fixture(autouse=True)
def tidy(subject):
    """After each test, end the subject gently: its resource tracker unlinks what was left."""
    yield
    release(subject)


def letters(i: int) -> str:
    """A distinct word of letters only for each ``i`` (``aaaa``, ``baaa``, ...)."""
    out = []
    for _ in range(4):
        i, r = divmod(i, 26)
        out.append(chr(ord("a") + r))
    return "".join(out) + ("" if i == 0 else letters(i))


def text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(VOCAB) for _ in range(words))


def expected(chunks: list[str]) -> dict[str, int]:
    total: Counter[str] = Counter()
    for chunk in chunks:
        total.update(re.findall(r"[a-z']+", chunk.lower()))
    return dict(total)


def use(subject, method: str = "spawn"):
    """The submission, with ``method`` forced as the default start method in its process."""
    subject.module("multiprocessing").set_start_method(method, force=True)
    return subject.module()


def count(subject, sub, chunks: list[str], workers: int, what: str) -> dict:
    out = bounded_call(sub.word_count, chunks, workers=workers, deadline=DEADLINE)
    assert not out.hung, hang_report(subject, what, DEADLINE)
    return out.result()


def check_counts(got: object, chunks: list[str], what: str) -> None:
    want = expected(chunks)
    assert type(got) is dict, f"{what} must return a dict, got {type(got).__name__}"
    missing = sorted(set(want) - set(got))
    assert not missing, f"{what}: {len(missing)} words have no count, e.g. {missing[:3]}"
    extra = sorted(set(got) - set(want))
    assert not extra, f"{what}: counts for words that are not in the text: {extra[:3]}"
    wrong = sorted(w for w in want if got[w] != want[w])
    assert not wrong, (f"{what}: '{wrong[0]}' occurs {want[wrong[0]]} times, counted "
                       f"{got[wrong[0]]} (were some partial counts lost or added twice?)")


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_counts_words(subject, seed, method):
    rng = random.Random(seed)
    chunks = [text(rng, rng.randrange(50, 400)) for _ in range(7)] + ["", "Don't STOP"]
    sub = use(subject, method)
    what = f"word_count({len(chunks)} chunks, workers=3) under {method}"
    check_counts(count(subject, sub, chunks, 3, what), chunks, what)


@pytest.mark.parametrize(("n_chunks", "workers"), [(10, 3), (2, 5)])
def test_at_most_workers_processes(subject, seed, n_chunks, workers):
    rng = random.Random(seed)
    chunks = [text(rng, 3000) for _ in range(n_chunks)]
    sub = use(subject)
    what = f"word_count({n_chunks} chunks, workers={workers})"
    with TreeWatch.processes_of(subject.process) as seen:
        got = count(subject, sub, chunks, workers, what)
    allowed = min(workers, n_chunks)
    assert len(seen.workers()) <= allowed, (
        f"{what} started {len(seen.workers())} processes, at most {allowed} allowed: start "
        "min(workers, len(chunks)) workers once, and let each take many chunks from the task queue")
    check_counts(got, chunks, what)


def test_large_results_do_not_deadlock(subject):
    per_chunk = 25_000  # ~250 KB of partial counts per worker: far more than a pipe buffer
    chunks = [" ".join(letters(i) for i in range(k * per_chunk, (k + 1) * per_chunk))
              for k in range(2)]
    sub = use(subject)
    what = f"word_count(2 chunks of {per_chunk} distinct words, workers=2)"
    check_counts(count(subject, sub, chunks, 2, what), chunks, what)


def test_every_worker_gets_its_sentinel(subject, seed):
    rng = random.Random(seed)
    chunks = [text(rng, 20) for _ in range(12)]
    sub = use(subject)
    what = "word_count(12 chunks, workers=4)"
    check_counts(count(subject, sub, chunks, 4, what), chunks, what)
    left = leftover_workers(subject)
    assert not left, f"{what} returned, but worker processes are left: {'; '.join(left)}"


_POOLS = {"Pool", "ProcessPoolExecutor", "ThreadPoolExecutor", "ThreadPool"}
_PROBES = "grader.probes.pools"


def pool_uses(source: str) -> list[str]:
    """Where the source names a pool or concurrent.futures (the contract rules them out).

    Only a first, readable hint: a name built at run time passes it, so the
    test also asks the subject which pool modules were loaded (grader.probes.pools).
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, ast.Name):
            names = [node.id]
        for name in names:
            if name in _POOLS or name.startswith(("concurrent", "multiprocessing.pool")):
                found.append(f"line {node.lineno}: {name}")
    return sorted(set(found))


def test_uses_process_workers_not_a_pool(subject, seed):
    source = (Path(subject.module_dir) / f"{subject.module_name}.py").read_text()
    pools = pool_uses(source)
    assert not pools, (
        f"wordcount.py uses a pool ({', '.join(pools)}): this exercise is about doing by hand what "
        "a pool hides: multiprocessing.Process workers, a task queue, a result queue, sentinels")
    rng = random.Random(seed)
    chunks = [text(rng, 3000) for _ in range(4)]
    sub = use(subject)
    with TreeWatch.processes_of(subject.process) as seen:
        got = count(subject, sub, chunks, 2, "word_count(4 chunks, workers=2)")
    loaded = subject.module(_PROBES).pools_loaded()
    assert not loaded, (
        f"word_count used a pool (it loaded {', '.join(loaded)}): this exercise is about doing by "
        "hand what a pool hides: multiprocessing.Process workers, a task queue, a result queue, "
        "sentinels")
    assert seen.workers(), (
        "word_count started no worker process: the chunks must be counted in "
        "multiprocessing.Process workers (threads share one GIL, and this is CPU work)")
    check_counts(got, chunks, "word_count(4 chunks, workers=2)")


def test_bad_arguments(subject):
    sub = use(subject)
    for workers in (0, -1):
        with TreeWatch.processes_of(subject.process) as seen, pytest.raises(ValueError):
            sub.word_count(["a b c"], workers=workers)
        assert not seen.workers(), f"workers={workers} must raise ValueError before any process starts"
    assert count(subject, sub, [], 2, "word_count([])") == {}, "no chunks must give {}"


def test_nothing_left_behind(subject, seed):
    rng = random.Random(seed)
    chunks = [text(rng, 200) for _ in range(6)]
    sub = use(subject)
    for _ in range(2):
        count(subject, sub, chunks, 3, "word_count(6 chunks, workers=3)")
    left = leftover_workers(subject)
    assert not left, (
        f"word_count returned, but worker processes are left: {'; '.join(left)}: join every "
        "worker (a zombie is a process that ended and was never joined)")
    warnings = shutdown_warnings(subject)
    assert not warnings, (
        "queues or locks were never released (the resource tracker cleaned up after the "
        f"process ended): {warnings[0]}")
