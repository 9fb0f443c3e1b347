"""Turning an explorer result (``Result.to_dict()`` shipped from the subject) into a verdict.

Hidden tests run scenarios inside the subject and judge the plain result here:
a failing schedule fails with its story; trouble of the explorer's own (it lost
control, or ran out of time on a busy machine) is a regrade, never a failure.
"""

from __future__ import annotations

from grader.driver.verdicts import Inconclusive

VERDICTS = ("ok", "failed", "deadlock", "livelock", "inconclusive")
#: The structured traces of failing results judged during the current test, newest last: the
#: driver plugin attaches the last one to the test's result (reports draw it as lanes).
failing_traces: list[dict] = []
_FIELDS = {"verdict": str, "story": str, "message": str, "schedules_run": int, "counts": dict}


def checked(result: object) -> dict:
    """``result`` if it has the shape and arithmetic of a real explorer result, else a failure.

    The result is built inside the subject, where the submission runs too; a
    dict that merely says "ok" (a forged ``to_dict``) is refused. This raises
    the bar, it is not a proof: the subject's process can still forge a
    well-formed result, so scenarios should also return plain final state that
    the hidden test re-checks here.
    """
    bad = "not a result of the interleaving explorer (forged or damaged): "
    if not isinstance(result, dict):
        raise AssertionError(bad + f"a {type(result).__name__}")
    for key, kind in _FIELDS.items():
        if type(result.get(key)) is not kind:
            raise AssertionError(bad + f"field {key!r} missing or not a {kind.__name__}")
    counts, ran, verdict = result["counts"], result["schedules_run"], result["verdict"]
    if verdict not in VERDICTS:
        raise AssertionError(bad + f"unknown verdict {verdict!r}")
    if not all(k in VERDICTS and type(v) is int and v >= 0 for k, v in counts.items()):
        raise AssertionError(bad + "schedule counts are not counts of verdicts")
    if ran < 1 or sum(counts.values()) != ran:
        raise AssertionError(bad + f"{ran} schedules run but counts say {counts}")
    if verdict == "ok" and result.get("found") is None and counts != {"ok": ran}:
        raise AssertionError(bad + f"verdict ok although schedules ended {counts}")
    if verdict in ("failed", "deadlock", "livelock") and type(result.get("trace")) is dict:
        failing_traces.append(result["trace"])
    return result


def explorer_says(result: dict, what: str) -> str:
    """The failure message: what went wrong, then the explorer's story of the schedule."""
    return f"{what}\n\n{result['story']}"


def judge(result: dict, what: str, schedules: int | None = None) -> None:
    """Fail with the story of the bad schedule; raise Inconclusive on a harness problem.

    With ``schedules``, a pass also needs that many schedules run, or the
    search space proven exhausted (a systematic search may need fewer).
    """
    checked(result)
    if (schedules is not None and result["verdict"] == "ok" and not result.get("exhausted")
            and result["schedules_run"] < schedules):
        raise Inconclusive(f"only {result['schedules_run']} of {schedules} schedules ran in the "
                           "explorer's time limit (machine busy?)")
    if result["verdict"] == "inconclusive":
        raise Inconclusive(f"the explorer could not control {what}: {result['message']}")
    assert result["verdict"] == "ok", f"{what}:\n{result['story']}"


def judge_proof(result: dict, what: str, searched: str) -> None:
    """``judge``, then a regrade unless the bounded search covered every schedule of ``searched``."""
    judge(result, what)
    if not result.get("exhausted"):
        raise Inconclusive(f"the search of every one-preemption schedule of {searched} did not "
                           f"finish in {result['schedules_run']} schedules (machine busy?)")


def judge_proof_unless_spinning(result: dict, what: str, searched: str) -> None:
    """``judge_proof``, except a livelock: a thread that spins never lets ``stop()`` finish,
    and the exercise's test of idle waiting fails it for that, not this test."""
    if result["verdict"] != "livelock":
        judge_proof(result, what, searched)


def settled(result: dict, schedules: int) -> dict:
    """The result if it is definitive, else ``Inconclusive`` (a regrade).

    A witness or a failing schedule is definitive; "nothing found" counts only
    after every requested schedule ran under the explorer's control (or the
    systematic search covered every schedule within its bound).
    """
    checked(result)
    if result["found"] is True:
        return result
    if result["found"] is None and result["verdict"] in ("failed", "deadlock", "livelock"):
        return result
    if result["verdict"] == "inconclusive" or result["counts"].get("inconclusive"):
        raise Inconclusive(f"the interleaving explorer lost control of a schedule (machine busy?): "
                           f"{result['message'] or result['story']}")
    if result["schedules_run"] < schedules and not result.get("exhausted"):
        raise Inconclusive(f"only {result['schedules_run']} of {schedules} schedules ran in the "
                           "explorer's time limit (machine busy?)")
    return result
