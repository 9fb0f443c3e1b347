"""pytest integration: the ``explorer`` fixture and ``--concurlab-replay``.

Load with ``-p grader.interleave.pytest_plugin`` (or register it as a
pytest11 entry point). ``--concurlab-replay=random:1234`` makes every
``explore``/``exists`` call in the session run exactly that one schedule,
as printed at the end of a failure story.
"""

from __future__ import annotations

from typing import Any

import pytest

from .api import REPLAY_OPTION, Result, exists, explore, set_replay


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("concurlab")
    group.addoption(
        REPLAY_OPTION, action="store", default=None, metavar="TOKEN",
        help="replay one interleaving schedule in every explore() call, e.g. random:1234",
    )


def pytest_configure(config: pytest.Config) -> None:
    token = config.getoption(REPLAY_OPTION, default=None)
    if token:
        set_replay(token)


def pytest_unconfigure(config: pytest.Config) -> None:
    if config.getoption(REPLAY_OPTION, default=None):
        set_replay(None)


class Explorer:
    """The fixture: ``explore``/``exists`` plus ``check`` (explore, then assert the verdict is ok)."""

    def __init__(self, **defaults: Any) -> None:
        self.defaults = defaults
        self.results: list[Result] = []

    def explore(self, *args: Any, **kwargs: Any) -> Result:
        r = explore(*args, **{**self.defaults, **kwargs})
        self.results.append(r)
        return r

    def exists(self, *args: Any, **kwargs: Any) -> Result:
        r = exists(*args, **{**self.defaults, **kwargs})
        self.results.append(r)
        return r

    def check(self, *args: Any, **kwargs: Any) -> Result:
        return self.explore(*args, **kwargs).assert_ok()


@pytest.fixture
def explorer() -> Explorer:
    return Explorer()
