"""Hidden tests for e08_main_guard: ``python pool_demo.py N`` and ``main(argv)``.

The script runs for real (``python pool_demo.py N``, in the subject's folder,
bounded, its process group killed afterwards) while the driver watches its
process tree: the pool's workers must be spawned interpreters
(``multiprocessing.spawn``), not forks of the script.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.driver.subject import RemoteError, wait_until
from grader.leaks import bounded_call, release
from grader.proctree import TreeWatch, workers

SCRIPT_TIMEOUT = 20.0
GUARD = ("each spawned worker imports pool_demo.py again (as __mp_main__), so code at module "
         "level runs again in every worker: keep the call of main() under "
         "`if __name__ == \"__main__\":`")


@pytest.fixture(autouse=True)
def tidy(subject):
    """After each test, end the subject gently: its resource tracker unlinks what was left."""
    yield
    release(subject)


def squares(n: int) -> int:
    return sum(i * i for i in range(n))


def run_script(subject, *argv: str) -> dict:
    runner = subject.load(Path(__file__).with_name("script_runner.py"))
    return runner.run(f"{subject.module_name}.py", list(argv), SCRIPT_TIMEOUT)


def describe_run(argv: tuple[str, ...], got: dict) -> str:
    how = (f"did not finish within {SCRIPT_TIMEOUT:g} s" if got["timed_out"]
           else f"exited with {got['returncode']}")
    text = f"`python pool_demo.py {' '.join(argv)}` {how}"
    err = got["stderr"].strip()
    if "bootstrapping phase" in err:
        text += (": a spawned worker tried to start processes while importing pool_demo.py. "
                 + GUARD[0].upper() + GUARD[1:])
    elif "pickle" in err.lower():
        text += (": something sent to the workers could not be pickled (a lambda or a nested "
                 "function?): spawned workers import what they run by name, from module level")
    if err:
        text += f"\nIts stderr ends with:\n{err[-1200:]}"
    return text


def check_printed_sum(argv: tuple[str, ...], got: dict) -> None:
    n = int(argv[0])
    if got["timed_out"] or got["returncode"] != 0:
        raise AssertionError(describe_run(argv, got))
    lines = got["stdout"].split()
    assert lines == [str(squares(n))], (
        f"`python pool_demo.py {n}` must print the sum of squares of 0..{n - 1}, "
        f"{squares(n)}, and nothing else on stdout; it printed {got['stdout'][-300:]!r}")


@pytest.mark.parametrize("n", ["10", "0", "1000"])
def test_script_prints_sum_of_squares(subject, n):
    check_printed_sum((n,), run_script(subject, n))


def test_script_uses_spawn_pool(subject):
    """Spawned workers are seen by their exact command line (``multiprocessing.spawn``).

    A spawn worker lives at least one interpreter start-up, far longer than the
    sampling interval; a forked worker keeps the script's own command line.
    """
    argv = ("2000000",)
    subject.start()
    with TreeWatch.processes_of(subject.process) as procs:
        out = bounded_call(run_script, subject, *argv, deadline=SCRIPT_TIMEOUT + 10)
    assert not out.hung, f"`python pool_demo.py {argv[0]}` could not be stopped"
    check_printed_sum(argv, out.result())
    # The script is the subject's child; its workers are the script's children, known by the
    # exact command line multiprocessing gives them (a decoy that only mentions it is not one).
    scripts = {pid for pid in procs.workers() if procs.parents.get(pid) == subject.pid}
    started = [pid for pid in procs.workers() if procs.parents.get(pid) in scripts]
    spawned = [pid for pid in started if procs.role(pid) == "spawn"]
    forkserver = [pid for pid in procs.cmdlines if procs.role(pid) == "forkserver"
                  and procs.parents.get(pid) in scripts]
    # Every process the script started must be a spawned worker: an idle spawned decoy
    # beside forked workers that do the sum does not pass.
    others = [procs.workers()[pid] for pid in started if pid not in spawned]
    assert spawned and not forkserver and not others, (
        f"`python pool_demo.py {argv[0]}` " + (
            "used the forkserver start method" if forkserver else
            f"started a worker that is not a spawned interpreter (it ran `{others[0][:100]}`: "
            "a fork of the script?)" if others else
            "started no worker process: compute the sum in a process pool")
        + ". Create the pool from multiprocessing.get_context(\"spawn\"): the script then "
        "behaves the same on every system")


def test_import_starts_nothing(subject):
    subject.module("os")  # start the subject: anything printed from now on is the import's
    wait_until(lambda: False, timeout=0.2)  # let start-up output, if any, arrive
    before = subject.output()
    imported(subject)
    wait_until(lambda: bool(workers(subject.process)), timeout=0.5)
    started = workers(subject.process)
    assert not started, (f"importing pool_demo started {len(started)} process(es): create the "
                         f"pool inside main(), never at module level. {GUARD}")
    wait_until(lambda: subject.output() != before, timeout=0.5, interval=0.05)
    extra = subject.output()[len(before):].strip()
    assert not extra, f"importing pool_demo printed {extra[:300]!r}: {GUARD}"


def printed(subject, expect) -> str:
    """What the subject printed, once ``expect(text)`` holds (output arrives asynchronously)."""
    out = subject.module("sys")
    out.stdout.flush()  # print() to a pipe is block-buffered
    out.stderr.flush()
    wait_until(lambda: expect(subject.output()), timeout=3.0, interval=0.05)
    return subject.output()


def imported(subject):
    """The module, or a failure that says why importing it ran code."""
    try:
        return subject.module()
    except RemoteError as exc:
        raise AssertionError(f"importing pool_demo raised {exc.type_name}: code at module level "
                             f"ran on import. {GUARD}") from None


def call_main(subject, argv: list[str]) -> object:
    out = bounded_call(imported(subject).main, argv, deadline=SCRIPT_TIMEOUT)
    assert not out.hung, (f"main({argv}) did not return within {SCRIPT_TIMEOUT:g} s: is a pool "
                          f"made at import waiting for workers that cannot start? {GUARD}")
    return out.result()


def test_main_returns_0_and_prints(subject):
    code = call_main(subject, ["12"])
    assert code == 0, f"main(['12']) must return 0, returned {code!r}"
    text = printed(subject, lambda out: str(squares(12)) in out.split())
    assert str(squares(12)) in text.split(), (
        f"main(['12']) must print {squares(12)} (the sum of squares of 0..11); it printed "
        f"{text[-300:]!r}")


@pytest.mark.parametrize("argv", [[], ["ten"], ["1.5"]], ids=["none", "word", "float"])
def test_bad_arguments(subject, argv):
    imported(subject)
    before = {p.pid for p in workers(subject.process)}
    code = call_main(subject, argv)
    assert code == 2, f"main({argv}) must return 2 (bad arguments), returned {code!r}"
    text = printed(subject, lambda out: "usage" in out.lower())
    assert "usage" in text.lower(), (
        f"main({argv}) must print a usage message on stderr (e.g. 'usage: python pool_demo.py N'); "
        f"it printed {text[-300:]!r}")
    assert not {p.pid for p in workers(subject.process)} - before, (
        f"main({argv}) started processes for bad arguments: check the arguments first")
    got = run_script(subject, *argv)
    assert got["returncode"] == 2 and "usage" in got["stderr"].lower(), (
        f"{describe_run(tuple(argv), got)}\nBad arguments must end the script with exit code 2 "
        "and a usage message on stderr (sys.exit(main()))")
