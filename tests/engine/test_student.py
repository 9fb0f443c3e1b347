"""The student's side: the visible-test plugin and the commands that ship in the handout."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.collect import Submission, stage
from grader.release import release
from grader.student.cli import main as student_cli
from grader.student.cli import replay_command
from grader.student.state import HandoutState
from grader.student.watch import Watcher

ROOT = Path(__file__).resolve().parents[2]


def pytest_in(folder: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """pytest with only the plugins a handout installs, as a student runs it in ``folder``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "grader.student.plugin",
                           "-p", "grader.interleave.pytest_plugin", "-p", "no:cacheprovider",
                           *args], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=timeout)


def small_handout(tmp_path: Path, files: dict[str, str]) -> Path:
    """A handout of made-up exercises: ``{"e90_demo/demo.py": source, ...}``."""
    for rel, source in files.items():
        path = tmp_path / "exercises" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\n"
                                             "concurlab_test_timeout = 1\n")
    return tmp_path


DEADLOCK = """
    import threading

    _lock = threading.Lock()

    def total():
        with _lock:
            return inner()

    def inner():
        with _lock:
            return 1
"""


def test_a_deadlock_ends_in_seconds_with_where_it_is_stuck(tmp_path):
    root = small_handout(tmp_path, {
        "e90_demo/demo.py": DEADLOCK,
        "e90_demo/test_demo.py": """
            from demo import total

            def test_total():
                assert total() == 1

            def test_after():
                assert total() == 1
        """})
    start = time.monotonic()
    proc = pytest_in(root, "exercises")
    assert time.monotonic() - start < 60
    assert proc.returncode == 1
    assert "stuck: still running after" in proc.stdout
    assert "MainThread is stuck at demo.py:11 in inner: with _lock:" in proc.stdout
    assert "not run: an earlier test of this exercise got stuck" in proc.stdout


def test_a_stub_is_one_line_per_test_and_the_table_comes_last(tmp_path):
    root = small_handout(tmp_path, {
        "e90_demo/demo.py": """
            def total():
                raise NotImplementedError("total() is not written yet: see README.md")
        """,
        "e90_demo/test_demo.py": """
            import pytest
            from demo import total

            def test_total():
                assert total() == 1

            def test_raises():
                with pytest.raises(ValueError, match="negative"):
                    total()
        """,
        "e91_done/done.py": "def one():\n    return 1\n",
        "e91_done/test_done.py": "from done import one\n\ndef test_one():\n    assert one() == 1\n"})
    proc = pytest_in(root, "exercises")
    lines = proc.stdout.splitlines()
    assert proc.stdout.count("not started: total() is not written yet: see README.md (demo.py:3)") == 2
    assert "Traceback" not in proc.stdout and "raise NotImplementedError" not in proc.stdout
    table = lines.index(next(line for line in lines if "concurlab progress" in line))
    assert "e90_demo" in lines[table + 1] and "not started" in lines[table + 1]
    assert "e91_done" in lines[table + 2] and "passed" in lines[table + 2]
    assert lines[-2].startswith("next: e90_demo"), "the table and the next step come last"
    verbose = pytest_in(root, "exercises", "-v")
    assert "raise NotImplementedError" in verbose.stdout, "-v keeps pytest's own report"


def test_a_failure_says_where_in_the_module_and_which_test_line(tmp_path):
    root = small_handout(tmp_path, {
        "e90_demo/demo.py": "def total(xs):\n    return sum(xs) / len(xs)\n",
        "e90_demo/test_demo.py": """
            from demo import total

            def test_empty():
                assert total([]) == 0, "the total of nothing is 0"

            def test_message():
                assert total([2]) == 3, "total([2]) is 3"
        """})
    out = pytest_in(root, "exercises").stdout
    assert "ZeroDivisionError: division by zero" in out
    assert "raised at demo.py:2 in total: return sum(xs) / len(xs)" in out
    assert "test: test_demo.py:5 in test_empty" in out
    assert "total([2]) is 3" in out and "assert 2.0 == 3" not in out


def test_a_module_that_exits_on_import_fails_to_collect_and_the_rest_runs(tmp_path):
    root = small_handout(tmp_path, {
        "e90_demo/demo.py": "import sys\n\n\ndef main():\n    return 2\n\n\nsys.exit(main())\n",
        "e90_demo/test_demo.py": "import demo\n\ndef test_main():\n    assert demo.main() == 2\n",
        "e91_done/done.py": "def one():\n    return 1\n",
        "e91_done/test_done.py": "from done import one\n\ndef test_one():\n    assert one() == 1\n"})
    proc = pytest_in(root, "exercises")
    assert "INTERNALERROR" not in proc.stdout + proc.stderr
    assert "ran sys.exit(2) at demo.py:8" in proc.stdout
    assert "1 passed" in proc.stdout, "the other exercise still runs"


@pytest.fixture
def handout(course, tmp_path, monkeypatch) -> Path:
    out = tmp_path / "handout"
    release(course, out)
    monkeypatch.chdir(out)
    return out


def student(*args: str) -> str:
    result = CliRunner().invoke(student_cli, list(args), catch_exceptions=False)
    return result.output + (f"[exit {result.exit_code}]" if result.exit_code else "")


def test_hint_shows_the_next_tier_each_time_and_remembers(handout, monkeypatch):
    assert "e01_threads_io, hint 1 of 3" in student("hint", "e01")
    assert "e01_threads_io, hint 2 of 3" in student("hint", "e01")
    assert HandoutState.load(handout).hints_shown == {"e01_threads_io": 2}
    monkeypatch.chdir(handout / "exercises" / "e01_threads_io")
    third = student("hint")
    assert "hint 3 of 3" in third and "Still stuck" not in third
    assert "hint 3 of 3" in student("hint"), "the last tier stays the last"
    assert "hint 1 of 3" in student("hint", "--level", "1")
    unknown = student("hint", "e99")
    assert "no exercise 'e99'" in unknown and "e01, e02" in unknown and "[exit 2]" in unknown


def test_solving_an_exercise_turns_it_green_in_status(course, handout):
    before = student("status")
    assert "e03_race_counter         not started" in before
    assert "GIL" in before
    shutil.copy(ROOT / "solutions/e03_race_counter/counter.py", handout / "exercises/e03_race_counter")
    proc = pytest_in(handout, "exercises/e03_race_counter")
    assert proc.returncode == 0, proc.stdout[-2000:]
    after = student("status")
    assert "e03_race_counter         passed  (4/4 tests)" in after
    assert "1 of 17 exercises pass" in after or "1 of" in after
    assert "next: e01_threads_io" in after
    (handout / "exercises/e03_race_counter/counter.py").write_text("# changed\n")
    os.utime(handout / "exercises/e03_race_counter/counter.py", (1, 1))
    assert "changed since the last run" in student("status")


def test_pack_builds_the_layout_the_grader_reads_and_warns_about_names(course, handout):
    exercises = handout / "exercises"
    shutil.copy(ROOT / "solutions/e01_threads_io/downloader.py", exercises / "e01_threads_io")
    (exercises / "e04_bank_transfer" / "bank.py").rename(exercises / "e04_bank_transfer" / "Bank.py")
    (exercises / "counter.py").write_text("class Counter: ...\n")
    out = student("pack", "--student-id", "s123", "--no-tests")
    assert "found exercises/e04_bank_transfer/Bank.py, expected bank.py" in out
    assert "found exercises/counter.py, expected exercises/e03_race_counter/counter.py" in out
    archive = handout / "s123.zip"
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
    assert "s123/e01_threads_io/downloader.py" in names
    assert not any("Bank.py" in n or n.count("/") != 2 for n in names)
    staged = stage(Submission("s123", archive), course.exercises["e01_threads_io"])
    assert staged.source == (ROOT / "solutions/e01_threads_io/downloader.py").read_bytes()
    assert HandoutState.load(handout).student_id == "s123", "asked once, then remembered"
    assert "[exit 2]" in student("pack", "--student-id", "../evil", "--no-tests")


@pytest.mark.parametrize("polling", [False, True], ids=["file-events", "polling"])
def test_watch_reruns_on_save_and_moves_on_when_it_passes(handout, polling):
    lines: list[str] = []
    watcher = Watcher(handout, "e03_race_counter", force_polling=polling, echo=lines.append,
                      clear=lambda: lines.append("<clear>"))
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()

    def wait_for(text: str, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        while not any(text in line for line in lines):
            assert time.monotonic() < deadline, f"no {text!r} in {lines[-5:]}"
            time.sleep(0.1)

    try:
        wait_for("waiting for you to save exercises/e03_race_counter/")
        time.sleep(0.5)  # the watcher is listening by now
        shutil.copy(ROOT / "solutions/e03_race_counter/counter.py",
                    handout / "exercises/e03_race_counter/counter.py")
        wait_for("e03_race_counter passes its visible tests. Moving on to e04_bank_transfer")
        wait_for("waiting for you to save exercises/e04_bank_transfer/")
        assert lines.count("<clear>") >= 3, "the screen is cleared before each run"
    finally:
        watcher.events.put(("key", "q"))
        thread.join(30)
    assert not thread.is_alive(), "q quits"


def test_the_replay_line_for_feedback_needs_no_hidden_file():
    line = replay_command("e03_race_counter", "random:17")
    assert line.startswith("concurlab replay e03 random:17")
