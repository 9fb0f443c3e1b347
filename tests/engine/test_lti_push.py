"""concurlab lms push against a strict local LTI 1.3 platform on 127.0.0.1 (tests/lti_platform.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from grader.cli import main
from grader.course import load_course
from grader.lti.client import Client, retry_after, scores_url
from grader.lti.push import push_class
from grader.lti.settings import SettingsError, load_platform
from grader.results import ClassResult, ExerciseResult, Outcome, Status, StudentReport, TestResult
from tests.conftest import ROOT
from tests.lti_platform import Answer, LocalPlatform

COURSE = ROOT / "course.yml"
E01, E03 = "e01_threads_io", "e03_race_counter"


@pytest.fixture(scope="module")
def keys() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def _result(ex_id: str, score: float, status: Status = Status.GRADED) -> ExerciseResult:
    max_score = load_course(COURSE).exercises[ex_id].max_score
    outcome = Outcome.PASSED if score == max_score else Outcome.INCONCLUSIVE
    return ExerciseResult(ex_id, status, score, max_score,
                          (TestResult("test_x", outcome, score, max_score),))


@pytest.fixture
def graded(tmp_path: Path) -> Path:
    """ada full marks; bob late with an inconclusive e01; cy graded but not on the roster."""
    out = tmp_path / "out"
    reports = [StudentReport.build("ada", {E01: _result(E01, 10), E03: _result(E03, 8)}),
               StudentReport.build("bob", {E01: _result(E01, 6, Status.INCONCLUSIVE), E03: _result(E03, 8)},
                                   days_late=2, penalty=0.2),
               StudentReport.build("cy", {E01: _result(E01, 10), E03: _result(E03, 8)})]
    for rep in reports:
        (out / rep.student_id).mkdir(parents=True)
        (out / rep.student_id / "report.json").write_text(json.dumps(rep.to_json()))
    return out


@pytest.fixture
def platform(keys, tmp_path: Path):
    with LocalPlatform("tool-123", "dep-1", keys[1]) as p:
        p.add_lineitem(E03, "already there", 8)
        (tmp_path / "tool-key.pem").write_text(keys[0])
        (tmp_path / "roster.csv").write_text("student_id,lti_user_id\nada,u-ada\nbob,u-bob\ndan,u-dan\n")
        (tmp_path / "platform.toml").write_text(
            f'client_id = "tool-123"\ndeployment_id = "dep-1"\ntoken_url = "{p.token_url}"\n'
            f'lineitems_url = "{p.lineitems_url}"\nprivate_key = "tool-key.pem"\nkey_id = "k1"\n'
            'roster = "roster.csv"\n')
        yield p


def _push(platform_path: Path, out: Path, waits: list[float] | None = None):
    settings = load_platform(platform_path)
    client = Client(settings, sleep=(waits.append if waits is not None else lambda s: None))
    try:
        return push_class(load_course(COURSE), ClassResult.load(out), settings, client,
                          out / ".lti" / "pushes.jsonl")
    finally:
        client.close()


EXPECTED = [(r, u) for r in (E01, E03, "total") for u in ("u-ada", "u-bob")]


def _assert_each_score_once(platform: LocalPlatform) -> None:
    assert platform.state.problems == []
    for resource_id, user in EXPECTED:
        updates = platform.score_of(resource_id, user)
        assert len(updates) == 1, f"{resource_id}/{user}: {len(updates)} score updates: {updates}"


def test_every_score_once_with_verified_claims_retries_and_a_refreshed_token(platform, graded, tmp_path):
    platform.state.planned = [Answer(429, {"Retry-After": "1"}), Answer(500), Answer(401)]
    waits: list[float] = []
    summary = _push(tmp_path / "platform.toml", graded, waits)

    _assert_each_score_once(platform)
    assert summary.pushed == 6 and summary.created == [E01, "total"]
    assert summary.not_on_roster == ["cy"] and summary.never_graded == ["dan"]
    assert waits[0] == 1.0 and summary.retries == 2, "Retry-After is honoured, the 500 retried"
    assert platform.state.token_requests == 2, "a 401 gets one fresh token"
    ada = platform.score_of("total", "u-ada")[0]
    assert (ada["scoreGiven"], ada["scoreMaximum"], ada["gradingProgress"]) == (18, 18, "FullyGraded")
    bob_e01, bob_total = platform.score_of(E01, "u-bob")[0], platform.score_of("total", "u-bob")[0]
    assert bob_e01["gradingProgress"] == "Pending" and "regrade" in bob_e01["comment"]
    assert bob_total["gradingProgress"] == "Pending" and bob_total["scoreGiven"] == pytest.approx(11.2)
    assert "late penalty of 20%" in bob_total["comment"]
    labels = {b["resourceId"]: b for b in platform.state.lineitems.values()}
    assert labels[E01]["label"] == "Threads for I/O" and labels["total"]["scoreMaximum"] == 18


def test_a_rerun_pushes_only_what_changed(platform, graded, tmp_path):
    _push(tmp_path / "platform.toml", graded)
    again = _push(tmp_path / "platform.toml", graded)
    assert (again.pushed, again.unchanged) == (0, 6)
    regraded = StudentReport.build("bob", {E01: _result(E01, 10), E03: _result(E03, 8)},
                                   days_late=2, penalty=0.2)
    (graded / "bob" / "report.json").write_text(json.dumps(regraded.to_json()))
    third = _push(tmp_path / "platform.toml", graded)
    assert (third.pushed, third.unchanged) == (2, 4), "bob's e01 and total changed"
    assert [s["gradingProgress"] for s in platform.score_of(E01, "u-bob")] == ["Pending", "FullyGraded"]
    assert platform.state.problems == []


def test_a_push_killed_half_way_resumes_without_duplicates(platform, graded, tmp_path):
    platform.state.hold_after = 3  # the 4th score is recorded, but its answer never comes
    cmd = [sys.executable, "-m", "grader.cli", "lms", "push", str(graded),
           "--platform", str(tmp_path / "platform.toml"), "--course", str(COURSE)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT,
                            start_new_session=True)
    try:
        assert platform.state.held.wait(60), proc.communicate(timeout=5)[0]
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
    platform.state.release.set()
    summary = _push(tmp_path / "platform.toml", graded)
    assert summary.pushed == 3 and summary.unchanged == 3, "3 confirmed, 1 resent, 2 new"
    _assert_each_score_once(platform)


def test_the_key_is_never_printed(platform, graded, tmp_path, keys):
    result = CliRunner().invoke(main, ["lms", "push", str(graded), "--platform",
                                       str(tmp_path / "platform.toml"), "--course", str(COURSE)])
    assert result.exit_code == 0, result.output
    assert "pushed 6 scores" in result.output and "cy" in result.output
    secret_line = keys[0].splitlines()[5]
    assert secret_line not in result.output
    assert secret_line not in (graded / ".lti" / "pushes.jsonl").read_text()
    assert secret_line not in repr(load_platform(tmp_path / "platform.toml"))
    # A platform that refuses the client: a clear message, still no key.
    toml = tmp_path / "platform.toml"
    toml.write_text(toml.read_text().replace('client_id = "tool-123"', 'client_id = "other"'))
    refused = CliRunner().invoke(main, ["lms", "push", str(graded), "--platform", str(toml),
                                        "--course", str(COURSE)])
    assert refused.exit_code == 1 and "getting an access token" in refused.output
    assert "check client_id" in refused.output and secret_line not in refused.output


@pytest.mark.parametrize(("edit", "says"), [
    (lambda t: t.replace('deployment_id = "dep-1"\n', ""), "deployment_id: Field required. Fix: add it"),
    (lambda t: t + 'secret = "x"\n', "secret: Extra inputs are not permitted. Fix: remove it"),
    (lambda t: t.replace('"tool-key.pem"', '"nope.pem"'), "private_key: cannot read"),
    (lambda t: t.replace("http://127", "ftp://127", 1), "token_url"),
])
def test_bad_settings_name_the_key_and_the_fix(platform, tmp_path, edit, says):
    toml = tmp_path / "platform.toml"
    toml.write_text(edit(toml.read_text()))
    with pytest.raises(SettingsError, match="platform.toml: " + says.split(":")[0]) as err:
        load_platform(toml)
    assert says in str(err.value)


@pytest.mark.parametrize(("roster", "says"), [
    ("student_id,user\nada,u1\n", "must name student_id and lti_user_id"),
    ("student_id,lti_user_id\nada,u1\nada,u2\n", "roster.csv:3: student ada is in two rows"),
    ("student_id,lti_user_id\nada,\n", "roster.csv:2: student_id and lti_user_id are both needed"),
])
def test_bad_rosters_name_the_line(platform, tmp_path, roster, says):
    (tmp_path / "roster.csv").write_text(roster)
    with pytest.raises(SettingsError, match=says):
        load_platform(tmp_path / "platform.toml")


def test_urls_and_retry_after():
    assert scores_url("https://lms/ctx/lineitems/3?type=x") == "https://lms/ctx/lineitems/3/scores?type=x"
    assert scores_url("https://lms/ctx/lineitems/3/") == "https://lms/ctx/lineitems/3/scores"
    assert retry_after("2", 0) == 2.0 and retry_after(None, 2) == 2.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 0) == 0.0, "a date in the past: no wait"
    assert retry_after("3600", 0) == 60.0, "capped"
