"""Visible tests for e12: run `pytest exercises/e12_scaling`."""

from __future__ import annotations

import math
import os
import time
from collections import Counter

import pytest
from scaling import amdahl_speedup, max_speedup, parallel_map, workers_needed

from grader.probes import scaling as probes


def test_amdahl_speedup():
    assert amdahl_speedup(1.0, 4) == pytest.approx(4.0), "all parallel: 4 workers, 4x"
    assert amdahl_speedup(0.0, 8) == pytest.approx(1.0), "all serial: workers do not help"
    assert amdahl_speedup(0.9, 10) == pytest.approx(1 / (0.1 + 0.09)), "0.1 serial + 0.9 / 10"


def test_max_speedup():
    assert max_speedup(0.9) == pytest.approx(10.0), "the serial 10% alone takes 1/10 of the time"
    assert max_speedup(1.0) == math.inf, "nothing serial: no limit"


def test_workers_needed():
    assert workers_needed(0.9, 6.0) == 14, "13 workers give 5.91x, 14 give 6.09x"
    assert workers_needed(0.95, 10.0) == 19, (
        "19 workers give 9.999999999999996x: that reaches 10x up to rounding (tolerance 1e-9)")
    assert workers_needed(0.9, 12.0) is None, "with p=0.9 the speedup never passes 10x"


def test_bad_arguments():
    for call in (lambda: amdahl_speedup(1.5, 2), lambda: amdahl_speedup(0.5, 0),
                 lambda: max_speedup(-0.1), lambda: workers_needed(0.5, 0.5)):
        with pytest.raises(ValueError):
            call()


def test_parallel_map_in_order_in_processes(tmp_path, monkeypatch):
    monkeypatch.setenv("CONCURLAB_PROBE_DIR", str(tmp_path))
    items = list(range(-50, 50))
    assert parallel_map(abs, items, workers=2) == [abs(x) for x in items]
    got = parallel_map(probes.meet, [("visible", i) for i in range(6)], workers=2, chunksize=1)
    pids = {pid for _i, pid, _met in got}
    assert os.getpid() not in pids, "fn must run in worker processes, not in this one"
    assert len(pids) == 2, f"expected 2 worker processes, saw {len(pids)}"


def nap_then_echo(seconds: float) -> float:
    """A task that takes ``seconds``; at module level so that worker processes can import it."""
    time.sleep(seconds)
    return seconds


def test_results_in_item_order_not_finishing_order():
    naps = [0.3, 0.0, 0.0, 0.0]
    got = parallel_map(nap_then_echo, naps, workers=2, chunksize=1)
    assert got == naps, (
        f"the first item takes 0.3 s and the others none: got {got}, in the order they finished. "
        "Return the results in the order of the items (pool.map does; as_completed does not)")


def test_default_chunksize_batches_tiny_items(tmp_path, monkeypatch):
    monkeypatch.setenv("CONCURLAB_PROBE_DIR", str(tmp_path))
    parallel_map(probes.count_reads, list(range(2000)), workers=2)
    batches = 0
    for log in tmp_path.glob("reads-*.log"):
        rows = [[int(v) for v in line.split()[:2]] for line in log.read_text().splitlines()]
        own = Counter(b - a for a, b in rows).most_common(1)[0][0]
        batches += 1 + sum(rows[i + 1][0] - rows[i][1] > own for i in range(len(rows) - 1))
    assert batches and 2000 / batches >= 8, (
        f"2000 tiny items went to the workers in {batches} trips: send many per trip")
