"""Hidden tests for e18_capstone: process_documents(urls, fetch, analyze, io_workers, cpu_workers).

``fetch`` is a driver callback (InFlight: calls in flight, intervals on the
driver's monotonic clock); ``analyze`` is the trusted probe
``grader.probes.speedup:analyze``, which records the pid, thread and
interval of every analysis on the same system-wide clock.  So "fetched in
threads", "analysed in processes" and "analysis began before the last fetch
ended" are all read from evidence the submission cannot touch.
"""

from __future__ import annotations

import time

from grader.driver.subject import RemoteException, wait_until
from grader.instruments import InFlight
from grader.probes.speedup import checksum
from grader.speedup import (
    TreeWatch,
    clear_records,
    judge_speed,
    judge_structure,
    observed_records,
    read_records,
    structure,
)

ANALYZE = "grader.probes.speedup:analyze"
#: The slow fetch waits for the first finished analysis at most this long.
SLOW_FETCH = 6.0


def url(i: int) -> str:
    return f"http://docs.test/{i}"


def document(units: int):
    """A fetch body: the probe's analysis of it computes for ~``units`` ms."""
    return lambda u: f"{units} words of {u}"


def structure_of(subject, urls: list[str], fetch: InFlight, *, io_workers: int,
                 cpu_workers: int):
    """Run once, watched; (result, Structure of the analyses, task records)."""
    sub = subject.module()
    clear_records(subject.probe_dir)
    with TreeWatch(subject.process) as seen:
        got = sub.process_documents(urls, fetch, subject.probe(ANALYZE), io_workers, cpu_workers)
    # The probe folder is writable by the submission: records count only where the
    # driver's own view of the process tree backs them (structure() checks the same).
    records = read_records(subject.probe_dir)
    return got, structure(seen, records), observed_records(seen, records) or []


def overlap_problem(fetch: InFlight, records) -> str:
    """'' if some analysis began before the last fetch ended."""
    if not records or not fetch.intervals:
        return "no analysis ran" if not records else "no fetch ran"
    first_analysis = min(r.start for r in records)
    last_fetch = max(end for _, end in fetch.intervals)
    if first_analysis < last_fetch:
        return ""
    return (f"the first analysis began {first_analysis - last_fetch:.2f} s after the last fetch "
            "ended: fetching and analysis never overlapped; hand each page to the process pool "
            "as soon as it arrives instead of fetching everything first")


def test_every_url_gets_its_analysis(subject):
    urls = [url(i) for i in range(10)]
    got = subject.module().process_documents(urls, InFlight(document(3), delay=0.01),
                                             subject.probe(ANALYZE), 4, 2)
    assert type(got) is dict, f"process_documents must return a dict, got {type(got).__name__}"
    missing = [u for u in urls if u not in got]
    assert not missing, f"{len(missing)} URLs have no result, e.g. {missing[0]}"
    wrong = [u for u in urls if got[u] != checksum(3)]
    assert not wrong, (
        f"the value for {wrong[0]} is {got[wrong[0]]!r}, but analyze(fetch(url)) returned "
        f"{checksum(3)}")
    assert len(got) == len(urls), f"expected one key per URL, got {len(got)} keys"


def test_errors_are_captured_per_url(subject):
    urls = [url(i) for i in range(8)]

    def fetch(u: str) -> str:
        if u == urls[1]:
            raise ConnectionError(f"refused: {u}")
        return f"2 corrupt page {u}" if u == urls[5] else f"2 words of {u}"

    got = subject.module().process_documents(urls, fetch, subject.probe(ANALYZE), 4, 2)
    for u, kind, step in ((urls[1], "ConnectionError", "fetch"), (urls[5], "ValueError", "analyze")):
        value = got.get(u)
        assert isinstance(value, RemoteException) and value.type_name == kind, (
            f"{step} raised {kind} for {u}; that exception must be its value, got {value!r}")
    fine = [u for u in urls if u not in (urls[1], urls[5])]
    wrong = [u for u in fine if got.get(u) != checksum(2)]
    assert not wrong, (
        f"{wrong[0]} did not fail, but its value is {got.get(wrong[0])!r}: one URL's error "
        "must not affect the others")


def test_fetches_run_in_threads(subject):
    io_workers = 4
    fetch = InFlight(document(1), delay=0.05)
    structure_of(subject, [url(i) for i in range(4 * io_workers)], fetch,
                 io_workers=io_workers, cpu_workers=2)
    assert fetch.peak <= io_workers, (
        f"fetch was running for {fetch.peak} URLs at once, but io_workers={io_workers}")
    assert fetch.peak == io_workers, (
        f"with io_workers={io_workers} and 16 slow URLs, at most {fetch.peak} fetch call(s) ran "
        "at once: fetching waits on the network, so run fetch in a pool of threads")


def analyses_of(sub, urls: list[str], units: int, delay: float, io_workers: int):
    """A watched call of ``sub`` (the subject or the reference) with fresh fetches: its Structure."""
    return structure_of(sub, urls, InFlight(document(units), delay=delay),
                        io_workers=io_workers, cpu_workers=2)[1]


def test_analysis_runs_in_processes(subject, reference):
    urls = [url(i) for i in range(8)]
    judge_structure(lambda: analyses_of(subject, urls, 150, 0.01, 4),
                    lambda: analyses_of(reference, urls, 150, 0.01, 4),
                    min_workers=2, what="analyses")
    # cpu_workers is the size of the process pool: with 1, one process analyses every page.
    _, one, _ = structure_of(subject, urls, InFlight(document(150), delay=0.01), io_workers=4,
                             cpu_workers=1)
    assert len(one.worker_cpu) <= 1, (
        f"with cpu_workers=1 the analyses ran in {len(one.worker_cpu)} processes: "
        "cpu_workers is how many processes analyse (pass it to the pool as max_workers)")


def test_fetching_and_analysis_overlap(subject):
    """The last URL's fetch lasts until some analysis has finished (at most SLOW_FETCH s).

    A pipeline analyses the early pages meanwhile, however slow the machine;
    code that fetches everything first keeps it waiting the full time.
    """
    urls = [url(i) for i in range(6)]
    slow = urls[-1]
    fast = InFlight(document(20), delay=0.02)

    def fetch(u: str) -> str:
        if u == slow:
            wait_until(lambda: any(subject.probe_dir.glob("tasks-*.jsonl")), timeout=SLOW_FETCH)
        return fast(u)

    tracked = InFlight(fetch)
    got, _, records = structure_of(subject, urls, tracked, io_workers=2, cpu_workers=2)
    assert len(got) == len(urls), f"expected {len(urls)} results, got {len(got)}"
    problem = overlap_problem(tracked, records)
    assert not problem, problem


def test_end_to_end_speed(subject, reference, thresholds):
    """Structure first (fetch in threads, analyses in processes); then timing vs the reference.

    (Overlap of the two stages has its own test: with equal latencies all
    fetches may end before any page reaches a worker, even in a pipeline.)
    """
    urls = [url(i) for i in range(8)]
    peaks: list[int] = []

    def student():
        fetch = InFlight(document(50), delay=0.04)
        found = structure_of(subject, urls, fetch, io_workers=8, cpu_workers=2)[1]
        peaks.append(fetch.peak)
        return found

    judge_structure(student, lambda: analyses_of(reference, urls, 50, 0.04, 8),
                    min_workers=2, what="analyses")
    assert max(peaks) >= 2, "fetch calls ran one at a time: run them in threads"

    sub, ref = subject.module(), reference.module()
    probe_ref = reference.module("grader.probes.speedup")
    quiet = document(50)

    def serial(round_urls: list[str]) -> None:
        for u in round_urls:
            time.sleep(0.04)
            probe_ref.analyze(quiet(u))

    judge_speed(
        serial=serial,
        reference=lambda round_urls: ref.process_documents(
            round_urls, InFlight(quiet, delay=0.04), reference.probe(ANALYZE), 8, 2),
        student=lambda round_urls: sub.process_documents(
            round_urls, InFlight(quiet, delay=0.04), subject.probe(ANALYZE), 8, 2),
        # New URLs (same documents' size) each round: remembering an earlier round wins nothing.
        fresh=lambda k: ([f"http://docs.test/round{k}/{i}" for i in range(len(urls))],),
        workers=2, thresholds=thresholds)
