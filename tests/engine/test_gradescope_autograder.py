"""`concurlab gradescope build`: the zip's run_autograder, run in a folder laid out like
Gradescope's (<root>/autograder/source, /submission, /results), with bubblewrap and without."""

from __future__ import annotations

import io
import json
import os
import site
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import environment, sandbox
from grader.cli import main
from grader.course import load_course
from grader.gradescope.autograder import submission_time
from grader.gradescope.submission import find_modules
from tests.conftest import ROOT

EXERCISES = ["e03_race_counter", "e12_scaling"]
MUTANTS = {"e03_race_counter": "class_lock.py", "e12_scaling": "serial_fraction_confusion.py"}


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    args = ["gradescope", "build", str(out), "--course", str(ROOT / "course.yml")]
    res = CliRunner().invoke(main, args + [a for e in EXERCISES for a in ("--exercise", e)])
    assert res.exit_code == 0, res.output
    return out


def test_the_zip_has_gradescopes_two_scripts_at_its_root_and_no_mutants(autograder_zip):
    with zipfile.ZipFile(autograder_zip) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        course = zf.read("course/course.yml").decode()
    for script in ("setup.sh", "run_autograder"):
        assert infos[script].external_attr >> 16 & stat.S_IXUSR
    names = set(infos)
    assert "engine/grader/gradescope/autograder.py" in names and "engine/pyproject.toml" in names
    for ex in EXERCISES:
        assert any(n.startswith(f"course/tests/hidden/{ex}/") for n in names)
        assert any(n.startswith(f"course/solutions/{ex}/") for n in names)
    assert not any("mutants" in n or "__pycache__" in n for n in names)
    assert "e01_threads_io" not in course and all(e in course for e in EXERCISES)


def unpack(autograder_zip: Path, root: Path) -> Path:
    """Gradescope's /autograder under ``root``, with a venv standing in for setup.sh's install."""
    source = root / "autograder" / "source"
    with zipfile.ZipFile(autograder_zip) as zf:
        for info in zf.infolist():
            zf.extract(info, source)
            (source / info.filename).chmod(info.external_attr >> 16 & 0o777)
    venv = source / "venv"
    subprocess.run([sys._base_executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    # setup.sh pip-installs engine/ with its dependencies; offline, point the venv at the zip's
    # engine first and at this venv's dependencies after it.
    packages = next(venv.glob("lib/python*/site-packages"))
    (packages / "concurlab_engine.pth").write_text(f"{source / 'engine'}\n{site.getsitepackages()[0]}\n")
    (root / "autograder" / "submission").mkdir()
    return root / "autograder"


def submit(autograder: Path, kind: str) -> None:
    """The reference as module files at the top; the mutant as the handout's folders, zipped."""
    course = load_course(ROOT / "course.yml")
    sub = autograder / "submission"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for ex_id in EXERCISES:
            ex = course.exercises[ex_id]
            if kind == "reference":
                (sub / f"{ex.module}.py").write_bytes((course.solution_dir(ex) / f"{ex.module}.py").read_bytes())
            else:
                zf.writestr(f"handout/exercises/{ex_id}/{ex.module}.py",
                            (course.mutants_dir(ex) / MUTANTS[ex_id]).read_bytes())
    if kind == "mutant":
        (sub / "submission.zip").write_bytes(buf.getvalue())
    # The mutant comes 2 days after Gradescope's due date (course.yml sets no deadline).
    due = "2026-12-18T23:59:00.000000-08:00" if kind == "mutant" else None
    (autograder / "submission_metadata.json").write_text(json.dumps(
        {"created_at": "2026-12-20T12:00:00.000000-08:00", "assignment": {"due_date": due},
         "users": [{"email": "s@uni.example", "id": 1, "name": "S"}], "previous_submissions": []}))


def run_autograder(autograder: Path, mode: str) -> tuple[dict, str]:
    env = {**os.environ, environment.AUTOGRADER_ROOT: str(autograder),
           environment.AUTOGRADER_SANDBOX: mode}
    env.pop(environment.AUTOGRADER_PYTHON, None)
    proc = subprocess.run([str(autograder / "source" / "run_autograder")], capture_output=True,
                          text=True, env=env, cwd=autograder, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((autograder / "results" / "results.json").read_text()), proc.stdout


def check_spec(doc: dict) -> None:
    """Gradescope's published results.json fields and types."""
    assert isinstance(doc["score"], float) and isinstance(doc["execution_time"], int)
    assert isinstance(doc["output"], str) and doc["tests"]
    for test in doc["tests"]:
        assert isinstance(test["name"], str) and isinstance(test["max_score"], float)
        assert isinstance(test["output"], str)
        assert test["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
        if "score" in test:
            assert isinstance(test["score"], float) and test["status"] in ("passed", "failed")
        else:
            assert test["output"].startswith("PENDING REGRADE")


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["require", "off"])
@pytest.mark.parametrize("kind", ["reference", "mutant"])
def test_run_autograder_gives_the_reference_full_marks_and_the_mutant_less(
        autograder_zip, tmp_path, mode, kind):
    if mode == "require" and not sandbox.available():
        pytest.skip("bubblewrap cannot run here")
    autograder = unpack(autograder_zip, tmp_path)
    submit(autograder, kind)
    doc, stdout = run_autograder(autograder, mode)
    check_spec(doc)
    assert f"engine {autograder / 'source' / 'engine' / 'grader'}, sandbox {mode}" in stdout
    pending = sum(t["max_score"] for t in doc["tests"] if "score" not in t)
    if kind == "reference":
        assert doc["score"] + pending == 21 and all(t.get("status") != "failed" for t in doc["tests"])
    else:
        assert doc["score"] < 21 and "graded handout/exercises/e12_scaling/scaling.py" in doc["output"]
        failed = {t["name"].split(": ")[1].split("[")[0] for t in doc["tests"] if t.get("status") == "failed"}
        assert failed == {"test_two_counters_do_not_block_each_other", "test_amdahl_speedup",
                          "test_max_speedup", "test_workers_needed"}
        raw = sum(t["score"] for t in doc["tests"] if "score" in t)
        course = load_course(ROOT / "course.yml")
        penalty = min(course.policies.late_cap, 2 * course.policies.late_penalty_per_day)
        assert "2 day(s) late" in doc["output"] and doc["score"] == pytest.approx(raw * (1 - penalty))


def test_modules_are_found_in_every_layout_students_upload(tmp_path):
    course = load_course(ROOT / "course.yml")
    sub = tmp_path / "submission"
    (sub / "deep" / "exercises" / "e12_scaling").mkdir(parents=True)
    (sub / "counter.py").write_text("# top\n")
    (sub / "deep" / "exercises" / "e12_scaling" / "scaling.py").write_text("# nested\n")
    (sub / "Bank.py").write_text("# misnamed\n")
    with zipfile.ZipFile(sub / "work.zip", "w") as zf:
        zf.writestr("e01_threads_io/downloader.py", "# zipped\n")
        zf.writestr("e03_race_counter/counter.py", "# zipped, but a file was uploaded too\n")
    found = find_modules(course, sub)
    assert found.modules["e03_race_counter"] == b"# top\n"
    assert found.modules["e12_scaling"] == b"# nested\n"
    assert found.modules["e01_threads_io"] == b"# zipped\n"
    assert "e04_bank_transfer" not in found.modules and "Bank.py" in found.seen


def test_submission_time_and_due_date_come_from_gradescopes_metadata(tmp_path):
    path = tmp_path / "submission_metadata.json"
    path.write_text(json.dumps({"created_at": "2026-12-20T10:00:00.365935-07:00",
                                "assignment": {"due_date": "2026-12-18T23:59:00.000000-07:00"}}))
    submitted, due, note = submission_time(path)
    assert (submitted.isoformat(), due.isoformat(), note) == (
        "2026-12-20T10:00:00.365935-07:00", "2026-12-18T23:59:00-07:00", "")
    path.write_text("{not json")
    assert submission_time(path)[:2] == (None, None) and "unreadable" in submission_time(path)[2]
