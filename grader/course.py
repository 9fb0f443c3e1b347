"""course.yml: the model, and validation with messages that name the key and the fix.

Every command reads the course through :func:`load_course`; a bad file stops
it with one :class:`CourseError` line, never a traceback.
"""

from __future__ import annotations

import ast
import hashlib
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

EXERCISE_ID = re.compile(r"^e\d\d_[a-z0-9_]+$")
#: The keys an exercise's ``thresholds:`` may set (read by grader.speedup.timing).
THRESHOLDS = ("reference_speedup", "vs_reference")


class CourseError(Exception):
    """A problem with course.yml or the course tree, phrased for the person who fixes it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Seconds = Annotated[float, Field(gt=0)]


class Policies(_Strict):
    deadline: datetime | None = None
    late_penalty_per_day: float = Field(0.0, ge=0, le=1,
                                        description="fraction of the score lost per day late")
    late_cap: float = Field(1.0, ge=0, le=1, description="most of the score a late penalty takes")


DOTTED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def _dotted_names(names: list[str]) -> list[str]:
    bad = [n for n in names if not DOTTED_NAME.fullmatch(n)]
    if bad:
        raise ValueError(f"{bad[0]!r} is not a module, a dotted name or an attribute name")
    return names


class Gate(_Strict):
    """What the static gate refuses in a submission before anything runs (grader/gate.py)."""

    #: Imports of these modules or their submodules.
    modules: list[str] = ["gc", "inspect", "ctypes", "_ctypes", "importlib", "builtins", "_thread",
                          "marshal", "code", "codeop", "pdb", "bdb", "trace", "cProfile", "profile",
                          "subprocess", "_posixsubprocess", "pty", "posix", "nt", "_testcapi",
                          "pytest", "_pytest", "pluggy", "grader"]
    #: Dotted names after imports are resolved (``sys._getframe``); builtins bare (``exec``).
    names: list[str] = ["exec", "eval", "compile", "__import__", "breakpoint",
                        "sys._getframe", "sys._current_frames", "sys._current_exceptions",
                        "sys.modules", "sys.settrace", "sys.setprofile", "sys.gettrace",
                        "sys.getprofile", "sys.monitoring", "sys.addaudithook", "sys.meta_path",
                        "sys.path_hooks", "sys.path_importer_cache", "sys.warnoptions",
                        "sys._xoptions", "threading.settrace", "threading.setprofile",
                        "threading.settrace_all_threads", "threading.setprofile_all_threads",
                        "threading.enumerate", "threading._active", "threading._enumerate",
                        "os.system", "os.popen", "os.execl", "os.execle", "os.execlp", "os.execlpe",
                        "os.execv", "os.execve", "os.execvp", "os.execvpe", "os.spawnl",
                        "os.spawnle", "os.spawnlp", "os.spawnlpe", "os.spawnv", "os.spawnve",
                        "os.spawnvp", "os.spawnvpe", "os.posix_spawn", "os.posix_spawnp",
                        "pickle.loads", "pickle.load", "pickle.Unpickler", "types.CodeType",
                        "types.FunctionType"]
    #: Attribute names refused on any object (frames, tracebacks, generators, bound methods).
    attributes: list[str] = ["f_back", "f_globals", "f_locals", "f_builtins", "f_code", "f_trace",
                             "tb_frame", "tb_next", "gi_frame", "gi_code", "cr_frame", "cr_code",
                             "ag_frame", "ag_code", "__self__", "__globals__", "__code__",
                             "__closure__", "__subclasses__", "__builtins__"]
    #: getattr/setattr/delattr (and __getattribute__, attrgetter) with a name that is not a literal.
    computed_attribute_names: bool = True
    #: Assigning or deleting an attribute of an imported module (``threading.Lock = ...``).
    module_attribute_writes: bool = True

    @field_validator("modules", "names", "attributes")
    @classmethod
    def _well_formed(cls, v: list[str]) -> list[str]:
        return _dotted_names(v)

    def refused(self) -> set[str]:
        return {*self.modules, *self.names, *self.attributes}


class GateOverride(_Strict):
    """One exercise's changes to ``defaults.gate``: entries lifted, entries added."""

    allow: list[str] = Field([], description="entries of defaults.gate this exercise may use")
    modules: list[str] = []
    names: list[str] = []
    attributes: list[str] = []

    @field_validator("allow", "modules", "names", "attributes")
    @classmethod
    def _well_formed(cls, v: list[str]) -> list[str]:
        return _dotted_names(v)

    def apply(self, base: Gate) -> Gate:
        keep = [*self.allow]
        return base.model_copy(update={
            "modules": [m for m in [*base.modules, *self.modules] if m not in keep],
            "names": [n for n in [*base.names, *self.names] if n not in keep],
            "attributes": [a for a in [*base.attributes, *self.attributes] if a not in keep],
        })
class Limits(_Strict):
    """What one subject (a submission's process tree) may use, enforced by grader.sandbox."""

    memory_mb: int = Field(1024, gt=0, description="all its processes together, tmpfs included")
    tasks: int = Field(256, gt=0, description="processes and threads at once")
    cpus: float = Field(2.0, gt=0, description="CPU bandwidth of the whole tree")
    tmpfs_mb: int = Field(256, gt=0, description="each of the sandbox's /tmp, /dev/shm, work folder")
    file_size_mb: int = Field(64, gt=0, description="largest file (shared memory segments too)")

    def for_sandbox(self) -> dict[str, float]:
        """In grader.sandbox.Limits' terms (bytes)."""
        mib = 1 << 20
        return {"memory": self.memory_mb * mib, "tasks": self.tasks, "cpus": self.cpus,
                "tmpfs": self.tmpfs_mb * mib, "file_size": self.file_size_mb * mib}


class Defaults(_Strict):
    test_timeout: Seconds = 20
    wall_budget: Seconds = 180
    gate: Gate = Gate()
    limits: Limits = Limits()


class Exercise(_Strict):
    id: str
    module: str
    title: str
    points: dict[str, Annotated[float, Field(ge=0)]]
    test_timeout: Seconds | None = None
    wall_budget: Seconds | None = None
    exclusive: bool = Field(False, description="grade alone: the exercise measures speed")
    thresholds: dict[str, float] = {}
    gate: GateOverride = GateOverride()
    _gate_rules: Gate | None = PrivateAttr(None)

    @property
    def gate_rules(self) -> Gate:
        """The gate this exercise is checked against: the course's defaults with its override."""
        return self._gate_rules or self.gate.apply(Gate())
    #: Overrides of ``defaults.limits`` for this exercise (e.g. e13 shares a large array).
    limits: dict[str, float] = {}

    @field_validator("limits")
    @classmethod
    def _known_limits(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(v) - set(Limits.model_fields))
        if unknown:
            raise ValueError(f"unknown limit {unknown[0]!r}; known: {', '.join(Limits.model_fields)}")
        return v
    #: test -> the tests that must all pass for it to earn its points (see grader/gating.py).
    requires: dict[str, list[str]] = Field({}, description="points earned only with these tests")

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not EXERCISE_ID.match(v):
            raise ValueError("an exercise id looks like e01_threads_io (e, two digits, _name)")
        return v

    @field_validator("thresholds")
    @classmethod
    def _known_thresholds(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(v) - set(THRESHOLDS))
        if unknown:
            raise ValueError(f"unknown threshold {unknown[0]} (known: {', '.join(THRESHOLDS)})")
        return v

    @field_validator("module")
    @classmethod
    def _module_name(cls, v: str) -> str:
        if not v.isidentifier():
            raise ValueError("a module is a Python module name without .py, e.g. downloader")
        return v

    @property
    def max_score(self) -> float:
        return sum(self.points.values())


class CourseFile(_Strict):
    name: str
    policies: Policies = Policies()
    defaults: Defaults = Defaults()
    #: The class roster CSV for exports (relative to course.yml), e.g. roster.csv.
    roster: str | None = None
    exercises: list[Exercise] = Field(min_length=1)


class Course:
    """A validated course: the file's content plus the tree it lives in."""

    def __init__(self, path: Path, data: CourseFile):
        self.path = path
        self.root = path.parent
        self.data = data
        self.name = data.name
        self.policies = data.policies
        self.exercises = {ex.id: ex for ex in data.exercises}
        for ex in self.exercises.values():
            ex._gate_rules = ex.gate.apply(data.defaults.gate)

    def test_timeout(self, ex: Exercise) -> float:
        return ex.test_timeout or self.data.defaults.test_timeout

    def wall_budget(self, ex: Exercise) -> float:
        return ex.wall_budget or self.data.defaults.wall_budget

    def limits(self, ex: Exercise) -> Limits:
        """The course's default limits with the exercise's overrides."""
        return Limits.model_validate({**self.data.defaults.limits.model_dump(), **ex.limits})

    def exercise_dir(self, ex: Exercise) -> Path:
        return self.root / "exercises" / ex.id

    def solution_dir(self, ex: Exercise) -> Path:
        return self.root / "solutions" / ex.id

    def hidden_dir(self, ex: Exercise) -> Path:
        return self.root / "tests" / "hidden" / ex.id

    def mutants_dir(self, ex: Exercise) -> Path:
        return self.root / "tests" / "mutants" / ex.id

    @property
    def roster_path(self) -> Path | None:
        return self.root / self.data.roster if self.data.roster else None

    def max_total(self) -> float:
        return sum(ex.max_score for ex in self.exercises.values())

    def fingerprint(self, ex: Exercise) -> str:
        """Changes whenever what grades this exercise changes: its settings (the course
        defaults it inherits included), the hidden tests, and the reference solution the
        tests time against."""
        h = hashlib.sha256(ex.model_dump_json().encode())
        h.update(f"{self.test_timeout(ex)!r} {self.wall_budget(ex)!r}".encode())
        for folder in (self.hidden_dir(ex), self.solution_dir(ex)):
            for path in sorted(folder.rglob("*.py")):
                h.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
        h.update(str(self.test_timeout(ex)).encode())
        h.update(self.limits(ex).model_dump_json().encode())
        for path in sorted(self.hidden_dir(ex).rglob("*.py")):
            h.update(path.name.encode() + path.read_bytes())
        return h.hexdigest()


def load_course(path: str | Path = "course.yml", *, check_tree: bool = True) -> Course:
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"{path}: no such file. Fix: run from the course folder or pass --course PATH")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise CourseError(f"{path}:{where} is not valid YAML ({getattr(exc, 'problem', exc)}). "
                          "Fix: check indentation and colons there") from None
    if not isinstance(raw, dict):
        raise CourseError(f"{path}: expected a mapping with keys name, policies, defaults, exercises")
    try:
        data = CourseFile.model_validate(raw)
    except ValidationError as exc:
        raise CourseError(_explain(path, raw, exc)) from None
    course = Course(path, data)
    _check_ids(course)
    _check_gate_allows(course)
    if check_tree:
        problems = check_course_tree(course)
        if problems:
            raise CourseError(problems[0])
    return course


def _explain(path: Path, raw: dict, exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = err["loc"]
    key = _key_name(raw, loc)
    kind = err["type"]
    if kind == "extra_forbidden":
        fix = f"remove it or check its spelling (allowed here: {_allowed(loc)})"
        return f"{path}: {key}: unknown key. Fix: {fix}"
    if kind == "missing":
        return f"{path}: {key}: missing. Fix: add it"
    msg = err["msg"].removeprefix("Value error, ")
    return f"{path}: {key}: {msg} (got {err.get('input')!r}). Fix: correct that value"


def _key_name(raw: dict, loc: tuple) -> str:
    """`exercises[e01_threads_io].points.test_x` rather than `exercises.0.points.test_x`."""
    parts: list[str] = []
    node = raw
    for item in loc:
        if isinstance(item, int):
            ident = node[item].get("id") if isinstance(node, list) and isinstance(node[item], dict) else None
            parts[-1] += f"[{ident or item}]"
            node = node[item] if isinstance(node, list) else None
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, dict) else None
    return ".".join(parts)


def _allowed(loc: tuple) -> str:
    model: type[BaseModel] = CourseFile
    for item in loc[:-1]:
        if isinstance(item, int):
            continue
        annotation = model.model_fields[str(item)].annotation
        inner = getattr(annotation, "__args__", (annotation,))[0]
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            model = inner
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
    return ", ".join(model.model_fields)


def _check_ids(course: Course) -> None:
    seen: set[str] = set()
    for ex in course.data.exercises:
        if ex.id in seen:
            raise CourseError(f"{course.path}: exercises[{ex.id}]: listed twice. Fix: keep one entry")
        seen.add(ex.id)


def _check_gate_allows(course: Course) -> None:
    """An exercise's ``gate.allow`` may only lift what ``defaults.gate`` refuses (catches typos)."""
    refused = course.data.defaults.gate.refused()
    for ex in course.data.exercises:
        unknown = [name for name in ex.gate.allow if name not in refused]
        if unknown:
            raise CourseError(f"{course.path}: exercises[{ex.id}].gate.allow: {unknown[0]!r} is not "
                              "refused by defaults.gate. Fix: check its spelling, or remove it")

def requires_problems(course: Course, ex: Exercise) -> list[str]:
    """Every name in ``requires`` has points, and a required test has no requirements itself.

    Gates one level deep read at a glance (a correctness test gates hygiene tests)
    and cannot form a cycle.
    """
    problems: list[str] = []
    for test, required in ex.requires.items():
        key = f"{course.path}: exercises[{ex.id}].requires.{test}"
        for name in [test, *required]:
            if name not in ex.points:
                problems.append(f"{key}: {name} is not in points. Fix: use one of "
                                f"{', '.join(ex.points)}")
        for name in required:
            if name == test or name in ex.requires:
                problems.append(f"{key}: {name} is itself gated. Fix: require only tests "
                                "that have no requires of their own")
    return problems


def hidden_test_functions(course: Course, ex: Exercise) -> set[str]:
    """Names of hidden test functions, read with ast (no hidden test is imported)."""
    names: set[str] = set()
    for path in sorted(course.hidden_dir(ex).glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
                names.add(node.name)
    return names


def check_course_tree(course: Course) -> list[str]:
    """Everything wrong between course.yml and the folders, one message per problem."""
    problems: list[str] = []
    where = str(course.path)
    for ex in course.exercises.values():
        key = f"exercises[{ex.id}]"
        problems += requires_problems(course, ex)
        folder = course.exercise_dir(ex)
        if not folder.is_dir():
            problems.append(f"{where}: {key}.id: no folder {folder.relative_to(course.root)}. "
                            f"Fix: create it or correct the id")
            continue
        for label, base in (("stub", folder), ("reference", course.solution_dir(ex))):
            module = base / f"{ex.module}.py"
            if not module.is_file():
                problems.append(f"{where}: {key}.module: {label} {module.relative_to(course.root)} "
                                f"does not exist. Fix: add it or correct module")
        hidden = course.hidden_dir(ex)
        if not hidden.is_dir():
            problems.append(f"{where}: {key}: no hidden tests in {hidden.relative_to(course.root)}. "
                            "Fix: add test_*.py files there")
            continue
        tests = hidden_test_functions(course, ex)
        for name in sorted(tests - set(ex.points)):
            problems.append(f"{where}: {key}.points: hidden test {name} has no points. "
                            f"Fix: add '{name}: <points>'")
        for name in sorted(set(ex.points) - tests):
            problems.append(f"{where}: {key}.points.{name}: no hidden test has this name. "
                            f"Fix: rename it to one of {', '.join(sorted(tests)) or '(none)'}")
        for mutant in sorted(course.mutants_dir(ex).glob("*.py")):
            names = mutant_rejects(mutant)
            if names is None:
                problems.append(f"{mutant.relative_to(course.root)}: first line must be "
                                "'# rejects: test_a, test_b'. Fix: name the tests it must fail")
            elif unknown := (names | mutant_may_also_fail(mutant)) - tests:
                problems.append(f"{mutant.relative_to(course.root)}: names unknown tests "
                                f"{', '.join(sorted(unknown))}. Fix: use hidden test names")
    return problems


def unlisted_exercise_folders(course: Course) -> list[str]:
    """Exercise folders course.yml does not list (never graded, never released)."""
    folder = course.root / "exercises"
    found = sorted(p for p in folder.iterdir() if p.is_dir() and EXERCISE_ID.match(p.name)) \
        if folder.is_dir() else []
    return [f"{course.path}: exercises: {p.relative_to(course.root)} is not listed, so it is never "
            f"graded or released. Fix: add '- id: {p.name}' under exercises, or remove the folder"
            for p in found if p.name not in course.exercises]


def mutant_rejects(path: Path) -> set[str] | None:
    """The tests a mutant must fail, from its first line ``# rejects: a, b``."""
    return _named_tests(path, 0, "rejects")


def mutant_may_also_fail(path: Path) -> set[str]:
    """Tests a mutant may fail by luck, from an optional second line ``# may also fail: c``.

    A real run of a mutant that can deadlock deadlocks only when the scheduler
    happens to close the circle, so a plain test may fail it on one run and pass
    it on the next; only its ``rejects`` tests are held to failing every time.
    """
    return _named_tests(path, 1, "may also fail") or set()


def _named_tests(path: Path, line: int, label: str) -> set[str] | None:
    lines = path.read_text(encoding="utf-8").splitlines()
    m = re.match(rf"#\s*{label}:\s*(.+)$", lines[line]) if len(lines) > line else None
    if not m:
        return None
    return {name.strip() for name in m.group(1).split(",") if name.strip()}
