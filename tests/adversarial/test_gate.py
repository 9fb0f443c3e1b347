"""The static gate: every refused construct is refused with its line and reason, before
anything runs; every reference, stub, mutant and independent solution is accepted."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from grader import gate, selfcheck
from grader.batch import Job, run_jobs
from grader.collect import Submission, check_source, stage_path
from grader.course import Course, CourseError, Gate, load_course
from grader.results import Status
from tests.conftest import copy_course

INDEPENDENT = Path(__file__).parent / "independent"
EX = "e03_race_counter"

#: (refused source, what the refusal names)
REFUSED = {
    "getframe": ("import sys\nf = sys._getframe(1)\n", "sys._getframe"),
    "getframe_alias": ("import sys as s\nf = s._getframe\n", "sys._getframe"),
    "getframe_from_import": ("from sys import _getframe\n", "sys._getframe"),
    "current_frames": ("import sys\nsys._current_frames()\n", "sys._current_frames"),
    "f_back": ("def f(frame):\n    return frame.f_back\n", "f_back"),
    "f_globals": ("def f(frame):\n    return frame.f_globals\n", "f_globals"),
    "f_locals": ("def f(frame):\n    return frame.f_locals\n", "f_locals"),
    "tb_frame": ("try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    e.__traceback__.tb_frame\n",
                 "tb_frame"),
    "gi_frame": ("def g():\n    yield\ng().gi_frame\n", "gi_frame"),
    "cr_frame": ("async def c():\n    pass\nc().cr_frame\n", "cr_frame"),
    "self_of_bound_method": ("def f(m):\n    return m.__self__\n", "__self__"),
    "globals_of_function": ("def f(fn):\n    return fn.__globals__\n", "__globals__"),
    "code": ("def f(fn):\n    return fn.__code__\n", "__code__"),
    "subclasses": ("object.__subclasses__()\n", "__subclasses__"),
    "builtins_name": ("__builtins__['open']\n", "__builtins__"),
    "builtins_subscript": ("globals()['__builtins__']\n", "__builtins__"),
    "builtins_module": ("import builtins\n", "builtins"),
    "module_dict_write": ("import threading\nthreading.__dict__['Lock'] = object\n",
                          "threading.__dict__"),
    "vars_of_module": ("import threading\nvars(threading)['Lock'] = object\n", "vars(threading)"),
    "gc": ("import gc\n", "gc"),
    "inspect": ("from inspect import currentframe\n", "inspect"),
    "ctypes": ("import ctypes.util\n", "ctypes"),
    "sys_modules": ("import sys\nsys.modules['x'] = None\n", "sys.modules"),
    "settrace": ("import sys\nsys.settrace(None)\n", "sys.settrace"),
    "setprofile": ("import sys\nsys.setprofile(None)\n", "sys.setprofile"),
    "gettrace": ("import sys\nif sys.gettrace():\n    pass\n", "sys.gettrace"),
    "threading_settrace": ("import threading\nthreading.settrace(print)\n", "threading.settrace"),
    "threading_setprofile": ("from threading import setprofile\n", "threading.setprofile"),
    "monitoring": ("import sys\nsys.monitoring.use_tool_id(1, 'x')\n", "sys.monitoring"),
    "importlib": ("import importlib\n", "importlib"),
    "importlib_sub": ("from importlib.util import find_spec\n", "importlib"),
    "dunder_import": ("m = __import__('gc')\n", "__import__"),
    "exec": ("exec('x = 1')\n", "exec"),
    "eval": ("eval('1')\n", "eval"),
    "compile": ("compile('1', '<s>', 'eval')\n", "compile"),
    "computed_getattr": ("import multiprocessing as mp\ngetattr(mp, 'Po' + 'ol')\n",
                         "getattr with a computed name"),
    "computed_setattr": ("def f(o, n):\n    setattr(o, n, 1)\n", "setattr with a computed name"),
    "computed_delattr": ("def f(o, n):\n    delattr(o, n)\n", "delattr with a computed name"),
    "getattribute_computed": ("def f(o, n):\n    return object.__getattribute__(o, n)\n",
                              "__getattribute__ with a computed name"),
    "attrgetter_computed": ("import operator\ndef f(n):\n    return operator.attrgetter(n)\n",
                            "operator.attrgetter with a computed name"),
    "getattr_as_value": ("def f(objs, names):\n    return list(map(getattr, objs, names))\n",
                         "getattr passed as a value"),
    "literal_getattr_of_refused": ("import sys\ngetattr(sys, '_getframe')\n", "sys._getframe"),
    "literal_getattr_of_frame": ("def f(x):\n    return getattr(x, 'f_back')\n", "f_back"),
    "attrgetter_chain": ("import operator\noperator.attrgetter('x.__globals__')\n", "__globals__"),
    "format_string_attribute": ("'{0.__globals__}'.format(print)\n", "__globals__ in a format string"),
    "patch_a_module": ("import threading\nthreading.Barrier = object\n", "changing threading.Barrier"),
    "patch_a_class_in_a_module": ("import threading\nthreading.Lock.acquire = None\n",
                                  "changing threading.Lock.acquire"),
    "setattr_on_a_module": ("import time\nsetattr(time, 'sleep', print)\n",
                            "setattr(time, 'sleep')"),
    "delete_from_a_module": ("import os\ndel os.getpid\n", "changing os.getpid"),
    "os_system": ("import os\nos.system('id')\n", "os.system"),
    "os_exec": ("from os import execv\n", "os.execv"),
    "posix_system": ("import posix\n", "posix"),
    "subprocess": ("import subprocess\n", "subprocess"),
    "pickle_loads": ("import pickle\npickle.loads(b'')\n", "pickle.loads"),
    "code_type": ("import types\ntypes.CodeType\n", "types.CodeType"),
    "pytest": ("import _pytest.runner\n", "_pytest"),
    "grader": ("from grader.subject import policy\n", "grader"),
    "threading_enumerate": ("import threading\nthreading.enumerate()\n", "threading.enumerate"),
    "_thread": ("import _thread\n_thread.allocate_lock()\n", "_thread"),
    "warnoptions": ("import sys\nsys.warnoptions.append('x')\n", "sys.warnoptions"),
    "module_alias_by_assignment": ("import sys\nm = sys\nm.modules\n", "sys.modules"),
    "hook_on_any_object": ("import sys\n[sys][0]._getframe()\n", "_getframe"),
    "settrace_on_any_object": ("def f(s):\n    s.settrace(None)\n", "settrace"),
    "dunder_getattribute_literal": ("import sys\nsys.__getattribute__('modules')\n", "sys.modules"),
    "dunder_setattr_on_module": ("import time\ntime.__setattr__('sleep', print)\n",
                                 "__setattr__(time, 'sleep')"),
    "star_import": ("from threading import *\n", "from threading import *"),
    "relative_import": ("from . import sibling\n", "a relative import"),
}

#: Honest constructs the gate must let through (each seen in some correct solution style).
ACCEPTED = {
    "sys_argv_exit_stderr": "import sys\n\ndef main(argv=None):\n    args = sys.argv[1:] if argv is None else argv\n"
                            "    print(args, file=sys.stderr)\n    sys.exit(0)\n",
    "literal_getattr": "def f(o):\n    return getattr(o, 'name', None), hasattr(o, 'x')\n",
    "frozen_dataclass_setattr": ("from dataclasses import dataclass\n\n@dataclass(frozen=True)\nclass T:\n"
                                 "    x: int\n\n    def __post_init__(self):\n"
                                 "        object.__setattr__(self, 'x', int(self.x))\n"),
    "thread_attribute_writes": ("import threading\nt = threading.Thread(target=print)\nt.daemon = True\n"
                                "threading.current_thread().name = 'main'\n"),
    "exception_type_name": "def f(exc):\n    return type(exc).__name__, repr(exc), exc.__traceback__ is None\n",
    "logging_exception": "import logging\nlog = logging.getLogger(__name__)\nlog.exception('x')\n",
    "multiprocessing": ("import multiprocessing as mp\nfrom multiprocessing import shared_memory\n"
                        "ctx = mp.get_context('spawn')\nmp.active_children()\nshared_memory.SharedMemory\n"),
    "own_attributes": ("class C:\n    def __init__(self):\n        self._lock = None\n        self.value = 0\n"
                       "        self._active = True\n        self.monitoring = False\n"
                       "        self._enumerate = None\n"),
    "os_basics": "import os\nos.getpid(), os.cpu_count(), os.sched_getaffinity(0)\n",
    "a_method_named_like_a_builtin_attribute": "class C:\n    def compile_all(self):\n        return 1\n",
    "format_strings": "x = 1\nprint('{0} {x.real}'.format(1, x=x), f'{x!r}')\n",
    "time_and_signals": "import signal\nimport time\ntime.sleep(0)\nsignal.getsignal(signal.SIGTERM)\n",
}


def _check(source: str, rules: Gate | None = None) -> str | None:
    return gate.check(ast.parse(source), rules or Gate())


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_each_refused_construct_is_refused_with_its_line_and_reason(name: str):
    source, what = REFUSED[name]
    refusal = _check(source)
    assert refusal is not None, f"{name} passed the gate"
    assert refusal.startswith("line ") and f"{what} is not allowed: " in refusal, refusal


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_honest_constructs_pass(name: str):
    assert _check(ACCEPTED[name]) is None


#: Attacks of tests/adversarial/attacks.py that the gate refuses before they run (test_attacks.py
#: grades them with the gate open, so the runtime layers are proven on their own too).
GATED_ATTACKS = {"patch_pytest", "gc_walk", "gc_walk_in_worker", "frame_walk", "patch_time",
                 "patch_getpid", "patch_builtins", "remove_tracer", "ctypes_poke"}


@pytest.mark.parametrize("attack", sorted(GATED_ATTACKS))
def test_the_attack_suites_introspection_attacks_never_run(course: Course, attack: str):
    from tests.adversarial.attacks import ATTACKS

    staged = check_source(ATTACKS[attack].encode(), course.exercises["e01_threads_io"])
    assert staged.status == Status.NOT_ALLOWED, staged.message


def test_a_refusal_is_status_not_allowed_before_anything_runs(course: Course):
    source = b"import sys\n\n\nclass Counter:\n    frame = sys._getframe()\n"
    staged = check_source(source, course.exercises[EX])
    assert staged.status == Status.NOT_ALLOWED
    assert staged.message.startswith("not allowed: line 5: sys._getframe is not allowed: ")


def _subjects(course: Course):
    for ex in course.exercises.values():
        yield ex, course.solution_dir(ex) / f"{ex.module}.py"
        yield ex, course.exercise_dir(ex) / f"{ex.module}.py"
        for mutant in sorted(course.mutants_dir(ex).glob("*.py")):
            yield ex, mutant


def test_every_reference_stub_and_mutant_passes_the_gate(course: Course):
    refused = {str(path): staged.message for ex, path in _subjects(course)
               if (staged := stage_path(path, ex)).status != "ok"}
    assert not refused


def _independent(course: Course) -> list[tuple[str, Path]]:
    return [(folder.name, path) for folder in sorted(INDEPENDENT.iterdir()) if folder.is_dir()
            for path in sorted(folder.glob("*.py")) if folder.name in course.exercises]


def test_independent_solutions_in_other_styles_pass_the_gate(course: Course):
    found = _independent(course)
    assert len(found) >= 4
    for ex_id, path in found:
        staged = stage_path(path, course.exercises[ex_id])
        assert staged.status == "ok", f"{path.name}: {staged.message}"


@pytest.mark.slow
def test_independent_solutions_score_full_marks(course: Course):
    jobs = [Job(Submission(path.stem, path), course.exercises[ex_id],
                stage_path(path, course.exercises[ex_id]), "") for ex_id, path in _independent(course)]
    results = run_jobs(course, jobs, jobs=2)
    problems = {job.submission.student_id: selfcheck.reference_problem(result)
                for job, result in zip(jobs, results, strict=True)}
    assert not {k: v for k, v in problems.items() if v}, problems


def test_an_exercise_can_lift_one_entry(tmp_path: Path):
    root = copy_course(tmp_path, [EX], gate={"allow": ["gc"]})
    ex = load_course(root / "course.yml").exercises[EX]
    assert _check("import gc\n", ex.gate_rules) is None
    assert _check("import inspect\n", ex.gate_rules) is not None


def test_an_exercise_can_refuse_more(tmp_path: Path):
    root = copy_course(tmp_path, [EX], gate={"modules": ["socket"]})
    ex = load_course(root / "course.yml").exercises[EX]
    assert "socket is not allowed" in _check("import socket\n", ex.gate_rules)


def test_a_misspelt_allow_entry_is_a_course_error(tmp_path: Path):
    root = copy_course(tmp_path, [EX], gate={"allow": ["sys._getfrmae"]})
    with pytest.raises(CourseError, match=r"exercises\[e03_race_counter\].gate.allow: 'sys._getfrmae' "
                                          "is not refused by defaults.gate"):
        load_course(root / "course.yml")


def test_a_malformed_gate_entry_is_a_course_error(tmp_path: Path):
    root = copy_course(tmp_path, [EX])
    data = yaml.safe_load((root / "course.yml").read_text())
    data["defaults"]["gate"] = {"modules": ["not a module"]}
    (root / "course.yml").write_text(yaml.safe_dump(data))
    with pytest.raises(CourseError, match="defaults.gate.modules"):
        load_course(root / "course.yml")
