"""Contracts the import graph cannot see, checked by reading the source tree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from grader.course import load_course
from grader.driver.args import DriverArgs
from grader.run import GradeOptions, driver_args
from grader.subject.args import SubjectArgs
from tests.conftest import ROOT, copy_course

pytest_plugins = ["pytester"]

GRADER = ROOT / "grader"
#: The wire modules: their to_json / from_json are the only code that spells the keys.
WIRE_MODULES = ("grader/results.py", "grader/driver/records.py",
                # other tools' formats, whose keys happen to share these names
                "grader/export/gradescope_json.py", "grader/gradescope/autograder.py",
                "grader/nbgrader_build.py")
#: Keys of a grading result read or written as a dict: only results.py spells them.
RESULT_KEYS = ("outcome", "status", "score", "max_score", "points", "max_points", "tests",
               "max_total", "total_before_penalty", "sandbox", "duration", "gated_by")
_KEYS = "|".join(RESULT_KEYS)
RESULT_DICT_ACCESS = re.compile(rf"""\[\s*["'](?:{_KEYS})["']\s*\]|\.get\(\s*["'](?:{_KEYS})["']""")


def _sources(root: Path, *, skip: tuple[str, ...] = ()) -> list[Path]:
    return [p for p in sorted(root.rglob("*.py"))
            if str(p.relative_to(ROOT)) not in skip and "__pycache__" not in p.parts]


def test_the_pattern_finds_dict_access():
    found = [s for s in ('r["outcome"]', "t['points']", 'x.get("status", "")', "rep[ 'tests' ]")
             if RESULT_DICT_ACCESS.search(s)]
    assert len(found) == 4 and not RESULT_DICT_ACCESS.search("result.outcome")


def test_no_grading_result_is_a_bare_dict_outside_results_py():
    offenders = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
                 for path in _sources(GRADER, skip=WIRE_MODULES)
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if RESULT_DICT_ACCESS.search(line)]
    assert not offenders, "use grader.results types, not dicts:\n" + "\n".join(offenders)


#: Where the contracts' names may appear: the engine, the hidden tests, the benchmarks.
NAMED_TREES = ("grader", "tests/hidden", "benchmarks")
CROSSING_NAME = re.compile(r"--concurlab-[a-z][a-z-]*|CONCURLAB_[A-Z][A-Z_]*")


def _code_strings(source: str) -> list[str]:
    """The string literals of a module that are code, not docstrings."""
    tree = ast.parse(source)
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
            and isinstance(node.value, str) and id(node) not in docstrings]


def spelled_in(roots: list[Path]) -> dict[str, set[str]]:
    """Each command-line option or environment variable name -> the modules that spell it."""
    where: dict[str, set[str]] = {}
    for root in roots:
        for path in _sources(root):
            for text in _code_strings(path.read_text(encoding="utf-8")):
                for name in CROSSING_NAME.findall(text):
                    where.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return where


def test_the_name_finder_skips_docstrings_and_sees_fstrings():
    source = ('"""Reads CONCURLAB_X."""\nimport os\n'
              'def f():\n    """Uses --concurlab-y."""\n    return os.environ["CONCURLAB_Z"], f"--concurlab-w={1}"\n')
    found = {n for s in _code_strings(source) for n in CROSSING_NAME.findall(s)}
    assert found == {"CONCURLAB_Z", "--concurlab-w"}


def test_every_option_and_environment_variable_is_spelled_in_one_module():
    where = spelled_in([ROOT / tree for tree in NAMED_TREES])
    assert {"--concurlab-module-dir", "--concurlab-seed", "CONCURLAB_SANDBOX",
            "CONCURLAB_PROBE_DIR"} <= set(where), "the finder must see the known names"
    twice = {name: sorted(mods) for name, mods in where.items() if len(mods) > 1}
    assert not twice, f"spell each name in one module and import it elsewhere: {twice}"
    env_modules = {m for name, mods in where.items() if name.startswith("CONCURLAB_") for m in mods}
    assert env_modules == {"grader/environment.py"}, env_modules


def test_driver_args_cross_the_command_line_unchanged(pytester: pytest.Pytester, tmp_path: Path):
    args = DriverArgs(module_dir=tmp_path / "work", module="bank", reference_dir=tmp_path / "ref",
                      results=tmp_path / "results.jsonl", seed=7, call_timeout=2.5,
                      thresholds={"vs_reference": 0.6})
    config = pytester.parseconfig("-p", "grader.driver.plugin", *args.to_argv())
    assert DriverArgs.from_config(config) == args
    defaults = pytester.parseconfig("-p", "grader.driver.plugin")
    assert DriverArgs.from_config(defaults) == DriverArgs()


def test_subject_args_cross_the_command_line_unchanged(tmp_path: Path):
    args = SubjectArgs(5, tmp_path, 9)
    command = args.command("/usr/bin/python3")
    assert command[:4] == ["/usr/bin/python3", "-I", "-m", "grader.subject"]
    assert SubjectArgs.from_argv(command[4:]) == args
    assert SubjectArgs.from_argv(SubjectArgs(5, tmp_path).to_argv()).policy_fd is None


def test_hidden_tests_get_seed_and_thresholds_as_fixtures(pytester: pytest.Pytester):
    pytester.makepyfile(test_fixtures="""
        def test_given(seed, thresholds):
            assert seed == 7000, seed
            assert thresholds == {"vs_reference": 0.6}, thresholds
    """)
    args = DriverArgs(seed=7, thresholds={"vs_reference": 0.6})
    result = pytester.runpytest_subprocess("-p", "grader.driver.plugin", "-p", "no:cacheprovider",
                                           *args.to_argv())
    result.assert_outcomes(passed=1)


def test_the_driver_is_told_the_course_models_settings(tmp_path: Path):
    folder = copy_course(tmp_path / "course", ["e02_processes_cpu"],
                         thresholds={"vs_reference": 0.55}, test_timeout=7)
    course = load_course(folder / "course.yml")
    ex = course.exercises["e02_processes_cpu"]
    args = driver_args(course, ex, tmp_path / "work", 7, GradeOptions(seed=3))
    assert (args.thresholds, args.call_timeout, args.seed, args.module) == (
        {"vs_reference": 0.55}, 7, 3, ex.module)
    assert args.reference_dir == course.solution_dir(ex).resolve()


def test_verdicts_are_imported_from_their_own_module():
    """The plugin is loaded by pytest, never imported: its names are not an API."""
    importers = [str(path.relative_to(ROOT)) for tree in NAMED_TREES for path in _sources(ROOT / tree)
                 if re.search(r"^\s*(from grader\.driver\.plugin import|import grader\.driver\.plugin)",
                              path.read_text(encoding="utf-8"), re.M)]
    assert not importers, f"import verdicts from grader.driver.verdicts: {importers}"
