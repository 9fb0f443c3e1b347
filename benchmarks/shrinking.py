"""Story lengths of failing schedules before and after shrinking, for the reference mutants.

For every mutant of e03-e06, e15 and e16 and every explorer scenario of that
exercise's hidden tests, runs the scenario in this process (seed 0) with
shrinking off and on, and prints the failing schedule's steps and story
lines before -> after. Usage: python benchmarks/shrinking.py [--schedules N]
"""

from __future__ import annotations

import argparse
import importlib.util
import inspect
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import environment  # noqa: E402
from grader.interleave import api  # noqa: E402

EXERCISES = ("e03_race_counter", "e04_bank_transfer", "e05_memoize", "e06_bounded_buffer",
             "e15_philosophers", "e16_rwlock")
#: Leading arguments of scenarios that take more than (seed, schedules), as the hidden tests pass.
LEADING = {"producers_consumers": (1, 2, 2, 2), "full_buffer_blocks": (2,), "dinner": (3, 2),
           "neighbours_together": (3, 2), "non_neighbours_together": (4,)}


def _scenarios(exercise: str, mutant: Path, module: str, folder: Path):
    shutil.copy(mutant, folder / f"{module}.py")
    for name in (module, "scenarios"):
        sys.modules.pop(name, None)
    spec = importlib.util.spec_from_file_location(
        "scenarios", ROOT / "tests" / "hidden" / exercise / "scenarios.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _run(fn, name: str, schedules: int, shrink: bool) -> dict:
    api.SHRINK_REPLAYS = 150 if shrink else 0
    return fn(*LEADING.get(name, ()), 0, schedules)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--schedules", type=int, default=60)
    args = ap.parse_args()
    print(f"{'mutant':<40} {'scenario':<26} {'verdict':<9} {'steps':>11} {'story lines':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sys.path.insert(0, tmp)
        for exercise in EXERCISES:
            module = next((ROOT / "solutions" / exercise).glob("*.py")).stem
            for mutant in sorted((ROOT / "tests" / "mutants" / exercise).glob("*.py")):
                scn = _scenarios(exercise, mutant, module, folder)
                for name, fn in inspect.getmembers(scn, inspect.isfunction):
                    if fn.__module__ != "scenarios" or "schedules" not in inspect.signature(
                            fn).parameters:
                        continue
                    try:
                        after = _run(fn, name, args.schedules, True)
                    except Exception as exc:  # noqa: BLE001 - a mutant may break a scenario
                        print(f"{exercise[:3]}/{mutant.stem:<36} {name:<26} error: {exc!r}"[:120])
                        continue
                    if after.get("verdict") in ("ok", None) or "story" not in after:
                        continue
                    before = _run(fn, name, args.schedules, False)
                    lines = [len(r["story"].splitlines()) for r in (before, after)]
                    print(f"{exercise[:3]}/{mutant.stem:<36} {name:<26} {after['verdict']:<9} "
                          f"{before['steps']:>4} -> {after['steps']:<4} {lines[0]:>4} -> "
                          f"{lines[1]:<4}")
                    sys.stdout.flush()
        sys.path.remove(tmp)
    os.environ.pop(environment.REPLAY, None)


if __name__ == "__main__":
    main()
