"""Turning an explorer result (``Result.to_dict()`` shipped from the subject) into a verdict.

Hidden tests run scenarios inside the subject and judge the plain result here:
a failing schedule fails with its story; trouble of the explorer's own (it lost
control, or ran out of time on a busy machine) is a regrade, never a failure.
"""

from __future__ import annotations

from grader.driver.verdicts import Inconclusive


def explorer_says(result: dict, what: str) -> str:
    """The failure message: what went wrong, then the explorer's story of the schedule."""
    return f"{what}\n\n{result['story']}"


def judge(result: dict, what: str) -> None:
    """Fail with the story of the bad schedule; raise Inconclusive on a harness problem."""
    if result["verdict"] == "inconclusive":
        raise Inconclusive(f"the explorer could not control {what}: {result['message']}")
    assert result["verdict"] == "ok", f"{what}:\n{result['story']}"


def settled(result: dict, schedules: int) -> dict:
    """The result if it is definitive, else ``Inconclusive`` (a regrade).

    A witness or a failing schedule is definitive; "nothing found" counts only
    after every requested schedule ran under the explorer's control.
    """
    if result["found"] is True:
        return result
    if result["found"] is None and result["verdict"] in ("failed", "deadlock", "livelock"):
        return result
    if result["verdict"] == "inconclusive" or result["counts"].get("inconclusive"):
        raise Inconclusive(f"the interleaving explorer lost control of a schedule (machine busy?): "
                           f"{result['message'] or result['story']}")
    if result["schedules_run"] < schedules:
        raise Inconclusive(f"only {result['schedules_run']} of {schedules} schedules ran in the "
                           "explorer's time limit (machine busy?)")
    return result
