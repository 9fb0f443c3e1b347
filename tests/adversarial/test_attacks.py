"""The engine's own attack suite: hostile submissions graded through the real pipeline.

One batch grades every attack of :mod:`tests.adversarial.attacks` side by side
with two honest students (copies of the reference, one folder and one zip).
Each attack must score 0, the honest students full marks, and the machine must
end as it was: no stray process, temp file or shared-memory segment, no
connection to the grader's loopback port, nothing written to the output folder
but the gradebook, no secret from the grader's environment in any report.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from grader import sandbox
from grader.batch import grade_class
from grader.course import Course, Gate
from grader.results import ExerciseResult, Status
from tests.adversarial.attacks import ATTACKS, INJECTED, TAMPERING, fill, render

EXERCISE = "e01_threads_io"
HONEST = ("honest_folder", "honest_zip")
INJECTOR = "inject_files"

pytestmark = pytest.mark.slow
NOTHING_REFUSED = Gate(modules=[], names=[], attributes=[], computed_attribute_names=False,
                       module_attribute_writes=False)


#: Seconds a job may take past its wall budget: killing the process tree, reaping, reading results.
TEARDOWN_GRACE = 30.0


@dataclass
class Battle:
    root: Path
    out: Path
    scratch: Path
    reports: dict[str, ExerciseResult]
    tokens: dict[str, str]
    listener: socket.socket
    honest_digest: str
    honest_file: Path
    seconds: float
    durations: dict[str, float]


@pytest.fixture(scope="module")
def battle(course: Course, tmp_path_factory: pytest.TempPathFactory):
    """Grade every attack and two honest students in one batch, two jobs at a time."""
    assert sandbox.available(), "bubblewrap must run here (.ci/install-sandbox installs it)"
    ex = course.exercises[EXERCISE]
    root = tmp_path_factory.mktemp("adversarial")
    subs, out, scratch = root / "submissions", root / "out", root / "tmp"
    scratch.mkdir()
    reference = (course.solution_dir(ex) / f"{ex.module}.py").read_bytes()
    tokens = {k: f"concurlab_{k.lower()}_{uuid.uuid4().hex[:10]}" for k in ("SECRET", "TOKEN", "SHM")}
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)

    rel = f"{EXERCISE}/{ex.module}.py"
    honest_file = subs / HONEST[0] / rel
    honest_file.parent.mkdir(parents=True)
    honest_file.write_bytes(reference)
    with zipfile.ZipFile(subs / f"{HONEST[1]}.zip", "w") as zf:
        zf.writestr(f"{HONEST[1]}/{rel}", reference)
    values = {
        "PORT": str(listener.getsockname()[1]), "OUT": str(out), "OTHER": str(subs / HONEST[0]),
        "OTHER_FILE": str(honest_file), "HIDDEN": str(course.hidden_dir(ex)),
        "HIDDEN_FILE": str(next(course.hidden_dir(ex).glob("test_*.py"))),
        "SOLUTIONS": str(course.solution_dir(ex)), "SENTINEL": str(root / "sentinel"),
        "TOKEN": tokens["TOKEN"],
    }
    for name, source in ATTACKS.items():
        path = subs / name / rel
        path.parent.mkdir(parents=True)
        path.write_text(render(source, {**values, "TOKEN": tokens["SHM" if name == "escape_and_leak" else "TOKEN"]}))
    inject = subs / INJECTOR / EXERCISE
    inject.mkdir(parents=True)
    (inject / f"{ex.module}.py").write_text(render(ATTACKS["always_equal"], values))
    for name, source in INJECTED.items():
        for folder in (inject, inject.parent):
            (folder / name).write_text(fill(source, values))

    saved = {k: os.environ.get(k) for k in ("TMPDIR", "CONCURLAB_FAKE_SECRET")}
    os.environ.update(TMPDIR=str(scratch), CONCURLAB_FAKE_SECRET=tokens["SECRET"])
    tempfile.tempdir = None
    started = time.monotonic()
    durations: dict[str, float] = {}

    def progress(job, res: ExerciseResult, reused: bool) -> None:
        durations[job.submission.student_id] = res.duration

    # The runtime layers must contain every attack on their own: the static gate, which
    # refuses many of these before they run, is proven in test_gate.py.
    gate_rules, ex._gate_rules = ex._gate_rules, NOTHING_REFUSED
    try:
        result = grade_class(course, subs, out, exercise_ids=[EXERCISE], jobs=2, force=True,
                             progress=progress)
    finally:
        ex._gate_rules = gate_rules
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        tempfile.tempdir = None
    reports = {r.student_id: r.exercises[EXERCISE] for r in result.reports}
    yield Battle(root, out, scratch, reports, tokens, listener,
                 hashlib.sha256(reference).hexdigest(), honest_file, time.monotonic() - started,
                 durations)
    listener.close()


def _summary(result: ExerciseResult) -> str:
    return f"{result.status}: {result.message[:400]}\n" + "\n".join(
        f"  {t.outcome:>8} {t.points:g} {t.name}: {t.message[:200]}" for t in result.tests)


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack_scores_zero(battle: Battle, attack: str):
    result = battle.reports[attack]
    assert result.score == 0, f"attack {attack} scored {result.score}:\n{_summary(result)}"
    if attack in TAMPERING:
        assert result.status is Status.TAMPERING, (
            f"the policy should have voided {attack} for review:\n{_summary(result)}")
        assert "tampering detected" in result.message, "the evidence must be in the report"


def test_honest_students_keep_full_marks(battle: Battle):
    """Full marks, except that a speed ratio may fall short on a machine this busy."""
    for student in HONEST:
        result = battle.reports[student]
        # A speed ratio the busy machine could not show is a regrade, never lost points.
        lost = [t for t in result.tests if t.outcome.loses_points]
        assert result.status in (Status.GRADED, Status.INCONCLUSIVE) and not lost, (
            f"{student} (the reference) lost points next to the attackers:\n{_summary(result)}")


def test_injected_files_never_run(battle: Battle):
    result = battle.reports[INJECTOR]
    assert result.score == 0, f"conftest/plugin injection scored:\n{_summary(result)}"
    sentinel = battle.root / "sentinel"
    assert not sentinel.exists(), f"an injected file ran: {sentinel.read_text()!r}"


def test_no_attack_holds_its_job_past_the_wall_budget(course: Course, battle: Battle):
    """Every job ends within its exercise's wall budget (plus set-up and teardown), however it hangs.

    A bound per job, not a time for the whole batch: the batch's time depends on
    the machine's load, the budget is what the grader enforces.
    """
    students = set(ATTACKS) | set(HONEST) | {INJECTOR}
    assert set(battle.reports) == students, f"missing results: {sorted(students - set(battle.reports))}"
    budget = course.wall_budget(course.exercises[EXERCISE]) + TEARDOWN_GRACE
    slowest = sorted(battle.durations.items(), key=lambda kv: -kv[1])[:6]
    print(f"adversarial batch: {len(students)} submissions in {battle.seconds:.1f} s; slowest: {slowest}")
    over = {name: round(secs, 1) for name, secs in battle.durations.items() if secs > budget}
    assert not over, f"jobs outlived the wall budget ({budget:g} s with teardown): {over}"


def test_output_folder_holds_only_the_gradebook(battle: Battle):
    stray = [p for p in battle.out.rglob("*") if p.is_file()
             and p.name not in ("grades.csv", "report.json", "feedback.md", "feedback.html",
                                "class.html")
             and battle.out / ".results" not in p.parents]  # the store: one JSON per result
    assert not stray, f"unexpected files in the output folder: {stray[:5]}"
    for path in battle.out.rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert battle.tokens["TOKEN"] not in text, f"an attack wrote into {path}"
            assert battle.tokens["SECRET"] not in text, f"the grader's secret leaked into {path}"
            assert "def test_returns_every_result" not in text, f"hidden tests leaked into {path}"


def test_other_submissions_untouched(battle: Battle):
    digest = hashlib.sha256(battle.honest_file.read_bytes()).hexdigest()
    assert digest == battle.honest_digest, "an attack changed another student's submission"


def test_loopback_connection_never_arrived(battle: Battle):
    with pytest.raises(BlockingIOError):
        conn, peer = battle.listener.accept()
        conn.close()
        pytest.fail(f"a submission connected to the grader's port from {peer}")


def test_nothing_left_behind(battle: Battle):
    leftovers = list(battle.scratch.iterdir())
    assert not leftovers, f"temporary files left behind: {leftovers[:5]}"
    mine = str(battle.root)
    stray = []
    for proc in psutil.process_iter(["pid", "cmdline", "cwd"]):
        with contextlib.suppress(psutil.Error, TypeError):
            if mine in " ".join(proc.info["cmdline"] or []) or (proc.info["cwd"] or "").startswith(mine):
                stray.append(proc.info)
    assert not stray, f"processes left running: {stray[:3]}"
    shm = battle.tokens["SHM"]
    assert not any(shm in name for name in os.listdir("/dev/shm")), "a shared-memory segment leaked"
    assert not Path("/tmp", shm).exists(), "a file was left in the machine's /tmp"
    cgroups = Path("/sys/fs/cgroup/pids/concurlab")
    if cgroups.is_dir():
        busy = [p for p in cgroups.iterdir() if p.is_dir() and (p / "cgroup.procs").read_text().strip()
                and not psutil.pid_exists(int(p.name.split("-")[0]))]
        assert not busy, f"orphaned sandbox cgroups with live processes: {busy[:3]}"
