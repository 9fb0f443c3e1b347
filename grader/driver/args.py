"""What the host puts on the driver's pytest command line, and what the driver plugin reads.

One type for both sides of the boundary: :mod:`grader.run` builds a
:class:`DriverArgs` and calls :meth:`DriverArgs.to_argv`; the plugin
(:mod:`grader.driver.plugin`) registers :meth:`DriverArgs.add_options` and reads
the same record back with :meth:`DriverArgs.from_config`.  Every
``--concurlab-*`` option of the driver is spelled here only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

#: The option each field travels as, and its help text.
_OPTIONS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "module_dir": ("--concurlab-module-dir", "folder that provides the module under test"),
    "module": ("--concurlab-module", "name of the module under test"),
    "reference_dir": ("--concurlab-reference-dir",
                      "folder with the reference solution (for side-by-side measurements)"),
    "results": ("--concurlab-results", "JSON-lines file to append test results to"),
    "results_fd": ("--concurlab-results-fd",
                   "inherited descriptor to append test results to (no path the subject could find)"),
    "seed": ("--concurlab-seed", "seed for randomised checks"),
    "call_timeout": ("--concurlab-call-timeout", "seconds one call into the submission may take"),
    "thresholds": ("--concurlab-thresholds",
                   "the exercise's thresholds from course.yml, as a JSON object"),
})


@dataclass(frozen=True)
class DriverArgs:
    """One grading run of an exercise's hidden tests, as the driver sees it."""

    module_dir: Path | None = None
    module: str | None = None
    reference_dir: Path | None = None
    results: Path | None = None
    results_fd: int | None = None
    seed: int = 0
    call_timeout: float = 30.0
    thresholds: Mapping[str, float] = field(default_factory=dict)

    def to_argv(self) -> list[str]:
        argv: list[str] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            argv += [_OPTIONS[f.name][0], _text(value)]
        return argv

    @staticmethod
    def option(name: str) -> str:
        """The command-line option a field travels as, e.g. ``option("module")``."""
        return _OPTIONS[name][0]

    @staticmethod
    def add_options(group: pytest.OptionGroup) -> None:
        defaults = DriverArgs()
        for name, (option, help_text) in _OPTIONS.items():
            default = getattr(defaults, name)
            group.addoption(option, help=help_text, default=None if default is None else _text(default))

    @classmethod
    def from_config(cls, config: pytest.Config) -> DriverArgs:
        def get(name: str) -> Any:
            return config.getoption(_OPTIONS[name][0])

        return cls(module_dir=_path(get("module_dir")), module=get("module") or None,
                   reference_dir=_path(get("reference_dir")), results=_path(get("results")),
                   results_fd=None if get("results_fd") is None else int(get("results_fd")),
                   seed=int(get("seed")), call_timeout=float(get("call_timeout")),
                   thresholds={str(k): float(v) for k, v in json.loads(get("thresholds")).items()})


def _text(value: object) -> str:
    return json.dumps(dict(value), sort_keys=True) if isinstance(value, Mapping) else str(value)


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None
