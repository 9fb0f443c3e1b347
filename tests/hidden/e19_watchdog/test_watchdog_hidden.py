"""Hidden tests for e19_watchdog: Watchdog(timeout, report) with start(), kick(), stop(timeout).

``report`` is a driver callback, so every report's text and arrival time are
recorded here.  The threads a dump must show are started inside the subject by
``stalls.py`` (a real lock-order deadlock, a real lost wake-up, a stack three
calls deep) and their lines are found from the markers in that file, so the
checks read the dump the way a person would: the thread's name, then
``file:line in function`` frames, innermost last.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from pathlib import Path

import pytest

from grader.driver.explored import judge_proof_unless_spinning
from grader.driver.subject import wait_until
from grader.driver.verdicts import Inconclusive
from grader.instruments import Stopwatch, Wakeups, context_switches

#: Reading every thread's frames is what this exercise teaches: the subject's policy allows it.
pytestmark = pytest.mark.concurlab_permit("sys._current_frames")

HERE = Path(__file__).parent
STALLS = (HERE / "stalls.py").read_text(encoding="utf-8")
#: Explorer and join checks that run inside the subject (systematic.py).
SYSTEMATIC = HERE / "systematic.py"
#: Schedules for the search of every one-preemption schedule of two start() calls.
SYSTEMATIC_BUDGET = 2000
FRAME = re.compile(r"(\S+?):(\d+) in ([\w<>.]+)")
#: stop() must return well under 0.1 s by contract; measured from the driver, allow this
#: plus twice the round trip of a no-op call (a sleeping thread needs stop's 1 s timeout).
PROMPT = 0.3
#: Seconds to wait for a report that is due within 0.4 s (a do-nothing watchdog costs this much).
REPORT_WAIT = 3.0
#: The most wake-ups a second two idle watchdogs' threads may have: a blocked thread has none,
#: one polling every 50 ms or less has more (as e17's heartbeat).
MAX_WAKEUPS_PER_SECOND = 20


def marked(marker: str) -> int:
    """The line number in stalls.py of the line ending with ``# marker``."""
    for number, line in enumerate(STALLS.splitlines(), 1):
        if line.rstrip().endswith(f"# {marker}"):
            return number
    raise LookupError(marker)


class Reports:
    """The report callback: keeps each text with its arrival time (driver clock)."""

    def __init__(self, fail_first: int = 0):
        self._lock = threading.Lock()
        self.fail_first = fail_first
        self.items: list[tuple[float, str]] = []

    def __call__(self, text: object) -> None:
        with self._lock:
            self.items.append((time.monotonic(), text if type(text) is str else repr(text)))
            n = len(self.items)
        if n <= self.fail_first:
            raise ValueError(f"report {n} failed on purpose")

    @property
    def count(self) -> int:
        return len(self.items)

    def wait(self, n: int, timeout: float) -> bool:
        return wait_until(lambda: self.count >= n, timeout)


def stalls(subject):
    return subject.load(HERE / "helper_loader.py").install(STALLS, f"stalls_{uuid.uuid4().hex[:8]}")


def first_dump(subject, setup, timeout: float = 0.2) -> str:
    """Start the stuck threads ``setup(stalls)``, then a Watchdog that is never kicked: its text."""
    assert setup(stalls(subject)) is True, "the stuck threads did not start (harness)"
    reports = Reports()
    wd = subject.module().Watchdog(timeout, reports)
    wd.start()
    try:
        arrived = reports.wait(1, timeout=REPORT_WAIT)
    finally:
        wd.stop()
    assert arrived, f"no report came in 3 s although the watchdog (timeout={timeout}) was never kicked"
    return reports.items[0][1]


def section(text: str, name: str, others: list[str]) -> list[tuple[str, int, str]]:
    """Frames ``(file name, line, function)`` after thread ``name``, up to the next named thread."""
    start = text.find(name)
    assert start >= 0, f"the dump does not mention thread {name!r}:\n{text[:3000]}"
    ends = [text.find(o, start + len(name)) for o in others if o != name]
    end = min([e for e in ends if e >= 0], default=len(text))
    return [(os.path.basename(f), int(line), fn) for f, line, fn in FRAME.findall(text[start:end])]


def where(frames: list[tuple[str, int, str]], function: str, line: int) -> int:
    """Index of the stalls.py frame at ``line`` in ``function``, or -1."""
    for i, (file, at, fn) in enumerate(frames):
        if file.startswith("stalls_") and at == line and fn == function:
            return i
    return -1


def cpu_seconds(subject) -> float:
    times = subject.process.cpu_times()
    return times.user + times.system


def test_reports_a_stall_once(subject):
    timeout = 0.2
    reports = Reports()
    wd = subject.module().Watchdog(timeout, reports)
    started = time.monotonic()
    wd.start()
    try:
        arrived = reports.wait(1, timeout=REPORT_WAIT)
        time.sleep(0.5)
    finally:
        wd.stop()
    assert arrived, (
        f"the watchdog (timeout={timeout}) was never kicked, yet no report came in 3 s: when no "
        "kick comes for `timeout` seconds, call report(text) from the watchdog's own thread")
    after = reports.items[0][0] - started
    assert after >= timeout * 0.9, (
        f"the report came {after:.2f} s after start(), before timeout={timeout} had passed")
    assert reports.count == 1, (
        f"report was called {reports.count} times for one stall (no kick for 0.5 s after it, timeout={timeout}): "
        "report each stall once, then wait for the next kick")


def test_rearms_on_kick(subject):
    timeout = 0.2
    reports = Reports()
    wd = subject.module().Watchdog(timeout, reports)
    wd.start()
    try:
        first = reports.wait(1, timeout=REPORT_WAIT)
        time.sleep(0.3)
        kicked = time.monotonic()
        wd.kick()
        # A report already on its way when kick() ran may land just after it: judge the stall
        # that starts at the kick, i.e. a report one full timeout after it.
        due = kicked + timeout * 0.9
        second = wait_until(lambda: any(at >= due for at, _ in reports.items), timeout=REPORT_WAIT)
    finally:
        wd.stop()
    assert first, f"no report came in 3 s although the watchdog (timeout={timeout}) was never kicked"
    early = [at - kicked for at, _ in reports.items if kicked < at < due]
    assert second, (
        (f"the only report after kick() came {early[0]:.2f} s after it, before timeout={timeout} "
         "had passed: a kick starts a new full timeout") if early else
        "after the first stall was reported, kick() was called and then nothing: a second stall "
        "must be reported too (kick re-arms the watchdog)")
    at_deadline = subject.load(SYSTEMATIC).kick_as_the_deadline_passes(SYSTEMATIC_BUDGET)
    judge_proof_unless_spinning(at_deadline, "a kick() that lands just as the deadline passes must re-arm the "
                             "watchdog: decide to report and mark the stall reported under one "
                             "lock, so a kick cannot slip in between and be overwritten",
                "a kick at the deadline")


def test_never_reports_while_kicked(subject):
    timeout = 0.4
    reports = Reports()
    wd = subject.module().Watchdog(timeout, reports)
    wd.start()
    kicks: list[float] = []
    try:
        end = time.monotonic() + 0.8
        while time.monotonic() < end:
            kicks.append(time.monotonic())  # before the call: the kick happens after this time
            wd.kick()
            time.sleep(0.02)
        during = reports.count
        last_kick = kicks[-1]
        later = reports.wait(during + 1, timeout=REPORT_WAIT)
    finally:
        wd.stop()
    gaps = [b - a for a, b in zip(kicks, kicks[1:], strict=False)]
    if during and max(gaps) > timeout * 0.75:
        raise Inconclusive(f"the kicks themselves were {max(gaps):.2f} s apart (machine busy)")
    assert during == 0, (
        f"kick() came every 20 ms for 0.8 s (timeout={timeout}), yet report was called {during} "
        "time(s): a kick moves the deadline to `timeout` seconds after it")
    assert later, f"after the kicks stopped, no report came in 3 s (timeout={timeout})"
    after = reports.items[during][0] - last_kick
    assert after >= timeout * 0.9, (
        f"the report came {after:.2f} s after the last kick, before timeout={timeout} had passed")


def test_dump_has_every_thread_innermost_last(subject):
    tag = uuid.uuid4().hex[:6]
    nested = f"nested-{tag}"
    consumer = f"consumer-{tag}"
    text = first_dump(subject, lambda s: s.nested_wait(tag) and s.lost_wakeup(tag))
    names = [nested, consumer, "MainThread"]
    assert "MainThread" in text, f"the dump leaves out the main thread (MainThread):\n{text[:3000]}"
    frames = section(text, nested, names)
    places = [where(frames, fn, marked(f"frame: {fn}")) for fn in ("outer", "middle", "inner")]
    for fn, at in zip(("outer", "middle", "inner"), places, strict=True):
        assert at >= 0, (
            f"thread {nested} is blocked in outer() -> middle() -> inner(); its section must show "
            f"'stalls_...py:{marked(f'frame: {fn}')} in {fn}' (file:line in function), got "
            f"{frames[:12]}")
    assert places == sorted(places), (
        f"thread {nested}'s frames must come innermost last (outer, middle, inner, like a "
        f"Python traceback), got them in the order {[f for _, _, f in frames]}")
    consumer_frames = section(text, consumer, names)
    assert where(consumer_frames, "consumer", marked("stuck: consumer")) >= 0, (
        f"thread {consumer} waits on a Condition nobody will notify; its section must show "
        f"'stalls_...py:{marked('stuck: consumer')} in consumer', got {consumer_frames[:12]}")


def test_blocked_acquire_shows_the_calling_line(subject):
    tag = uuid.uuid4().hex[:6]
    tellers = {f"teller-one-{tag}": "transfer_a_to_b", f"teller-two-{tag}": "transfer_b_to_a"}
    text = first_dump(subject, lambda s: s.lock_order_deadlock(tag))
    for name, function in tellers.items():
        frames = section(text, name, [*tellers, "MainThread"])
        line = marked(f"stuck: {function}")
        at = where(frames, function, line)
        assert at >= 0, (
            f"thread {name} is blocked in lock.acquire() called from line {line} of {function}; "
            f"its section must show 'stalls_...py:{line} in {function}', got {frames[:12]}")
        runs = [i for i, (file, _, fn) in enumerate(frames) if file == "threading.py" and fn == "run"]
        assert runs and runs[0] < at, (
            f"in thread {name}'s section, the frame that blocks ({function}, line {line}) must come "
            "last, after threading.py's run() that called it (innermost last), got "
            f"{[f for _, _, f in frames][:12]}")


def test_own_thread_left_out(subject):
    text = first_dump(subject, lambda s: s.nested_wait(uuid.uuid4().hex[:6]))
    own = [m.group(0) for m in FRAME.finditer(text) if os.path.basename(m.group(1)) == "watchdog.py"]
    assert not own, (
        f"the dump shows frames of watchdog.py ({own[0]}): leave the watchdog's own thread out, "
        "the person reading the dump is looking for the threads that are stuck")


def test_report_exception_is_logged_and_watching_goes_on(subject):
    timeout = 0.2
    reports = Reports(fail_first=1)
    wd = subject.module().Watchdog(timeout, reports)
    wd.start()
    try:
        first = reports.wait(1, timeout=REPORT_WAIT)
        wd.kick()
        second = reports.wait(2, timeout=REPORT_WAIT)
    finally:
        wd.stop()
    assert first, f"no report came in 3 s although the watchdog (timeout={timeout}) was never kicked"
    assert second, (
        "the first report raised ValueError; after the next kick and stall, no report came: an "
        "exception in report must not end the watchdog (catch it in the loop)")
    logged = wait_until(lambda: "report 1 failed on purpose" in subject.output(), timeout=1.0)
    assert logged, (
        "report raised ValueError('report 1 failed on purpose'), but nothing about it was logged: "
        "log it (logging.getLogger(__name__).exception(...)) instead of hiding it")


def test_waiting_burns_no_cpu(subject):
    """Waiting for a deadline or for a kick neither burns CPU nor wakes the thread up.

    A poll with ``time.sleep(0.001)`` costs little CPU but wakes the thread a thousand
    times a second: the driver also counts the new threads' context switches in ``/proc``.
    """
    sub = subject.module()
    resting = set(context_switches(subject.process.pid))
    armed = sub.Watchdog(10, Reports())
    fired_reports = Reports()
    fired = sub.Watchdog(0.2, fired_reports)
    armed.start()
    fired.start()
    try:
        reported = fired_reports.wait(1, timeout=REPORT_WAIT)
        time.sleep(0.2)  # both settle: one waits for its deadline, one for a kick
        before, reports = cpu_seconds(subject), fired_reports.count
        with Stopwatch() as window, Wakeups(subject.process.pid, resting) as woke:
            burning = wait_until(lambda: cpu_seconds(subject) - before >= 0.05, timeout=1.0)
        used = cpu_seconds(subject) - before
        # Reports during the window wake threads too; they are test_reports_a_stall_once's fault.
        quiet = fired_reports.count == reports
    finally:
        armed.stop()
        fired.stop()
    assert reported, "a watchdog with timeout=0.2 that was never kicked did not report in 3 s"
    assert not burning, (
        f"while one watchdog waited for its deadline and another for a kick, they used {used:.2f} s "
        f"of CPU in {window.seconds:.2f} s: they busy-wait. Block instead: Condition.wait(timeout) "
        "or Event.wait(timeout) sleep until the time is up or another thread wakes them")
    if not quiet:
        return
    if not woke.threads:
        raise Inconclusive("no thread of the watchdogs could be seen in /proc to count its wake-ups")
    assert woke.per_second <= MAX_WAKEUPS_PER_SECOND, (
        f"while one watchdog waited for its deadline and another for a kick, their threads woke "
        f"up {woke.count} times in {woke.seconds:.2f} s ({woke.per_second:.0f} a second): they "
        "poll, which is busy-waiting however short each nap is. Block instead: "
        "Condition.wait(timeout) sleeps until the deadline or until kick() or stop() notifies")


def test_stop_is_prompt_and_joins(subject):
    baseline = subject.resting_threads()
    wd = subject.module().Watchdog(10, Reports())
    wd.start()
    process = subject.process
    assert wait_until(lambda: process.num_threads() > baseline, timeout=1.0), (
        "start() did not start a watching thread")
    time.sleep(0.3)  # the thread now waits for its 10 s deadline
    assert process.num_threads() > baseline, (
        "0.3 s after start() no watching thread was alive: start() must start a thread that "
        "watches until stop()")
    with Stopwatch() as rtt:
        wd.kick()
    with Stopwatch() as sw:
        wd.stop()
    limit = PROMPT + 2 * rtt.seconds
    if sw.seconds >= limit and limit > 0.8:
        raise Inconclusive(f"a kick() took {rtt.seconds:.2f} s: too busy to time stop()")
    assert sw.seconds < limit, (
        f"stop() took {sw.seconds:.2f} s with timeout=10; it must return at once (well under 0.1 s): "
        "wait with Condition.wait or Event.wait and wake the thread in stop(), instead of sleeping")
    assert wait_until(lambda: process.num_threads() <= baseline, timeout=2.0), (
        "the watchdog's thread is still alive after stop() returned: join it in stop()")
    left = subject.load(SYSTEMATIC).threads_left_by_stop()
    assert not left, (
        f"the watchdog's thread ({', '.join(left)}) was still alive the moment stop() returned: "
        "waking it is not enough, join it in stop()")
    with Stopwatch() as again:
        wd.stop()
    assert again.seconds < max(limit, 0.8), f"a second stop() took {again.seconds:.2f} s: it must be a no-op"


def test_context_manager(subject):
    baseline = subject.resting_threads()
    reports = Reports()
    process = subject.process
    with subject.module().Watchdog(0.2, reports) as wd:
        assert wait_until(lambda: process.num_threads() > baseline, timeout=1.0), (
            "entering `with Watchdog(...) as w:` must start the watchdog")
        wd.kick()
        inside = reports.wait(1, timeout=REPORT_WAIT)
    assert inside, "inside `with Watchdog(0.2, report) as w:` a stall of 3 s was never reported"
    assert wait_until(lambda: process.num_threads() <= baseline, timeout=2.0), (
        "leaving the `with` block must stop the watchdog and join its thread")


def test_bad_arguments_and_start_twice(subject):
    sub = subject.module()
    reports = Reports()
    for timeout in (0, -1):
        with pytest.raises(ValueError):
            sub.Watchdog(timeout, reports)
            pytest.fail(f"Watchdog({timeout}, report) must raise ValueError")
    baseline = subject.resting_threads()
    wd = sub.Watchdog(10, reports)
    wd.start()
    try:
        with pytest.raises(RuntimeError):
            wd.start()
            pytest.fail("a second start() must raise RuntimeError")
        process = subject.process
        started = wait_until(lambda: process.num_threads() > baseline, timeout=1.0)
        settled = wait_until(lambda: process.num_threads() - baseline <= 1, timeout=2.0)
        extra = process.num_threads() - baseline
    finally:
        wd.stop()
    assert started, "start() did not start a watching thread"
    assert settled, f"after start() and a refused second start(), {extra} threads were running"
    at_once = subject.load(SYSTEMATIC).start_twice_at_once(SYSTEMATIC_BUDGET)
    judge_proof_unless_spinning(at_once, "two threads called start() on one Watchdog at the same moment, and both got "
                         "past the check: test and set the thread under one lock, so that exactly one "
                         "start() wins and the other raises RuntimeError",
                "two start() calls")
