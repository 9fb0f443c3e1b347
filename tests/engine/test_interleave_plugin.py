"""The pytest plugin: fixture and --concurlab-replay."""

from __future__ import annotations

import re

pytest_plugins = ["pytester"]

SCENARIO = '''
import threading
from grader.interleave import explore

class C:
    def __init__(self):
        self.v = 0

def w(c):
    tmp = c.v
    c.v = tmp + 1

def test_race(explorer):
    r = explorer.explore(C, [w, w], lambda c: c.v == 2, seed=0)
    print("TOKEN", r.replay, r.schedules_run)
    assert r
'''


def test_fixture_story_and_replay_option(pytester):
    pytester.makepyfile(test_scenario=SCENARIO)
    res = pytester.runpytest_subprocess("-s")
    res.assert_outcomes(failed=1)
    out = res.stdout.str()
    assert "lost update: " in out and "C.v" in out
    token = re.search(r"TOKEN (\S+) \d+", out).group(1)
    again = pytester.runpytest_subprocess("-s",
                                          f"--concurlab-replay={token}")
    again.assert_outcomes(failed=1)
    assert f"TOKEN {token} 1" in again.stdout.str()
