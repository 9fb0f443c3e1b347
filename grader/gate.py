"""The static gate: a submission's syntax tree against what its exercise allows, before it runs.

No solution of these exercises needs to look at frames, tracebacks or bound
methods' owners, walk the garbage collector, load code at run time, install
tracing hooks or patch a module it imported; a submission that does is trying
to reach the grader.  Such code scores 0 "not allowed" with the line and the
reason, and never runs.  The lists live in ``course.yml`` (``defaults.gate``,
per-exercise ``gate.allow``) and are validated by :class:`grader.course.Gate`.

The gate is one layer: the sandbox and the subject's policy still hold when a
refusal is dodged (e.g. a name built at run time), so it refuses what is
needed by no honest code rather than guessing at intent.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from grader.course import Gate

#: Why each default entry is refused, in the words the student reads.
REASONS = {
    "frames": "it reads the interpreter's frames, where the grader's own state lives",
    "introspection": "it reaches objects through the interpreter's internals, not their API",
    "dynamic code": "it builds or loads code at run time, which the grader cannot check",
    "tracing": "it installs or reads tracing hooks, which the grader uses to control threads",
    "processes": "it starts programs outside multiprocessing (no exercise needs that)",
    "grader": "it reaches the grader or the test harness",
    "module write": "it changes a module it imported (patching the library the grader checks)",
    "computed name": "the attribute's name is computed, so the gate cannot see what is reached",
}
_KIND = {
    **dict.fromkeys(["sys._getframe", "sys._current_frames", "sys._current_exceptions", "f_back",
                     "f_globals", "f_locals", "f_builtins", "f_code", "f_trace", "tb_frame",
                     "tb_next", "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame",
                     "ag_code", "inspect"], "frames"),
    **dict.fromkeys(["gc", "ctypes", "_ctypes", "_testcapi", "__self__", "__globals__", "__code__",
                     "__closure__", "__subclasses__"], "introspection"),
    **dict.fromkeys(["exec", "eval", "compile", "__import__", "importlib", "marshal", "code",
                     "codeop", "types.CodeType", "types.FunctionType", "pickle.loads",
                     "pickle.load", "pickle.Unpickler", "sys.meta_path", "sys.path_hooks",
                     "sys.path_importer_cache", "builtins", "__builtins__"], "dynamic code"),
    **dict.fromkeys(["sys.settrace", "sys.setprofile", "sys.gettrace", "sys.getprofile",
                     "sys.monitoring", "sys.addaudithook", "threading.settrace",
                     "threading.setprofile", "threading.settrace_all_threads",
                     "threading.setprofile_all_threads", "pdb", "bdb", "trace", "cProfile",
                     "profile"], "tracing"),
    **dict.fromkeys(["subprocess", "_posixsubprocess", "pty", "posix", "nt", "os.system",
                     "os.popen", "os.posix_spawn", "os.posix_spawnp", "sys.warnoptions",
                     "sys._xoptions"], "processes"),
    **dict.fromkeys(["pytest", "_pytest", "pluggy", "grader", "threading.enumerate",
                     "threading._active", "threading._enumerate", "sys.modules"], "grader"),
}
_BUILTIN_GETTERS = {"getattr", "setattr", "delattr", "hasattr"}
_FORMAT_FIELD = re.compile(r"\{[^{}]*?\.\s*([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True, order=True)
class Refusal:
    """One construct the gate refuses, where it is and why."""

    line: int
    what: str
    why: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.what} is not allowed: {self.why}"


def reason(entry: str) -> str:
    kind = _KIND.get(entry) or _KIND.get(entry.split(".")[0])
    if kind is None and entry.startswith(("os.exec", "os.spawn")):
        kind = "processes"
    return REASONS.get(kind or "", "refused by this course's gate (course.yml)")


def check(tree: ast.Module, rules: Gate) -> str | None:
    """The first refusal in ``tree`` as one line (and how many more), or None if it may run."""
    found = sorted(refusals(tree, rules))
    if not found:
        return None
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return f"{found[0]}{more}"


def refusals(tree: ast.Module, rules: Gate) -> list[Refusal]:
    """Every refused construct in ``tree``, one per place."""
    visitor = _Visitor(rules)
    visitor.visit(tree)
    return visitor.found


class _Visitor(ast.NodeVisitor):
    def __init__(self, rules: Gate):
        self.rules = rules
        self.modules = set(rules.modules)
        self.names = set(rules.names)
        self.attributes = set(rules.attributes)
        #: Last parts of refused dotted names that no other object has (``_getframe``,
        #: ``settrace``): refused on any object, so ``[sys][0]._getframe`` is caught too.
        #: (Not ``_active`` or ``monitoring``: a student's own object may well have those.)
        self.hooks = {name.rsplit(".", 1)[1] for name in rules.names if "." in name
                      and name.rsplit(".", 1)[1].startswith(("_getframe", "_current_", "settrace",
                                                            "setprofile", "gettrace", "getprofile",
                                                            "addaudithook"))}
        #: local name -> what it is bound to by an import ("sys", "os.path", "sys._getframe")
        self.aliases: dict[str, str] = {}
        #: local names bound to a module by ``import``
        self.module_aliases: set[str] = set()
        #: ids of Name nodes that are called directly (getattr(...), not map(getattr, ...))
        self.called: set[int] = set()
        self.found: list[Refusal] = []

    def refuse(self, node: ast.AST, what: str, why: str | None = None) -> None:
        self.found.append(Refusal(getattr(node, "lineno", 0), what, why or reason(what)))

    # -- imports ---------------------------------------------------------------
    def _refused_module(self, module: str) -> str | None:
        parts = module.split(".")
        for i in range(1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            if prefix in self.modules or prefix in self.names:
                return prefix
        return None

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            refused = self._refused_module(alias.name)
            if refused:
                self.refuse(node, refused)
            local = alias.asname or alias.name.split(".")[0]
            self.aliases[local] = alias.name if alias.asname else local
            self.module_aliases.add(local)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level:
            self.refuse(node, "a relative import", "a submission is one module: it has no package")
            return
        refused = self._refused_module(module)
        if refused:
            self.refuse(node, refused)
            return
        for alias in node.names:
            full = f"{module}.{alias.name}"
            if alias.name == "*":
                self.refuse(node, f"from {module} import *",
                            "the gate cannot see which names it binds; import what you use")
            elif self._refused_module(full) or alias.name in self.attributes:
                self.refuse(node, self._refused_module(full) or alias.name)
            self.aliases[alias.asname or alias.name] = full

    # -- names and attributes -----------------------------------------------------
    def _dotted(self, node: ast.AST) -> str | None:
        """``sys._getframe`` for ``s._getframe`` after ``import sys as s``, else None."""
        attrs: list[str] = []
        while isinstance(node, ast.Attribute):
            attrs.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        root = self.aliases.get(node.id, node.id)
        return ".".join([root, *reversed(attrs)])

    def visit_Name(self, node: ast.Name) -> None:
        full = self.aliases.get(node.id, node.id)
        if isinstance(node.ctx, ast.Load) and node.id in self.names:
            self.refuse(node, node.id)
        elif full != node.id and self._refused_module(full):
            self.refuse(node, self._refused_module(full))
        elif node.id in self.attributes:
            self.refuse(node, node.id)
        if node.id in _BUILTIN_GETTERS - {"hasattr"} and id(node) not in self.called \
                and isinstance(node.ctx, ast.Load) and self.rules.computed_attribute_names:
            self.refuse(node, f"{node.id} passed as a value", REASONS["computed name"])

    def visit_Assign(self, node: ast.Assign) -> None:
        """``m = sys`` makes ``m`` another name for ``sys`` (a plain alias, followed in order)."""
        dotted = self._dotted(node.value)
        if dotted is not None and dotted.split(".")[0] in self.aliases.values():
            for target in node.targets:
                if isinstance(target, ast.Name):
                    self.aliases[target.id] = dotted
                    if isinstance(node.value, ast.Name) and node.value.id in self.module_aliases:
                        self.module_aliases.add(target.id)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in self.attributes:
            self.refuse(node, node.attr)
        elif node.attr in self.hooks and not self._refused_module(self._dotted(node) or ""):
            self.refuse(node, node.attr, reason(next(n for n in self.names if n.endswith("." + node.attr))))
        dotted = self._dotted(node)
        if dotted is not None:
            refused = self._refused_module(dotted)
            root = dotted.split(".")[0]
            # report each chain once, at its longest refused prefix
            if refused and refused != root and not self._inner_refused(node.value):
                self.refuse(node, refused)
            if node.attr == "__dict__" and isinstance(node.value, ast.Name) \
                    and node.value.id in self.module_aliases:
                self.refuse(node, f"{node.value.id}.__dict__", REASONS["introspection"])
        if isinstance(node.ctx, ast.Store | ast.Del) and self.rules.module_attribute_writes \
                and self._rooted_in_module(node.value):
            self.refuse(node, f"changing {self._dotted(node)}", REASONS["module write"])
        self.generic_visit(node)

    def _inner_refused(self, node: ast.AST) -> bool:
        dotted = self._dotted(node)
        return dotted is not None and self._refused_module(dotted) is not None \
            and "." in (self._refused_module(dotted) or "")

    def _rooted_in_module(self, node: ast.AST) -> bool:
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name) and node.id in self.module_aliases

    def visit_Subscript(self, node: ast.Subscript) -> None:
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value in self.attributes:
            self.refuse(node, key.value)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and "{" in node.value:
            for attr in _FORMAT_FIELD.findall(node.value):
                if attr in self.attributes:
                    self.refuse(node, f"{attr} in a format string")

    # -- calls -------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Name):
            self.called.add(id(func))
            if func.id in _BUILTIN_GETTERS:
                self._attribute_by_name(node, func.id, node.args[1:2], node.args[:1])
            elif func.id == "vars" and node.args and self._rooted_in_module(node.args[0]):
                self.refuse(node, f"vars({self._dotted(node.args[0])})", REASONS["introspection"])
        elif isinstance(func, ast.Attribute):
            dotted = self._dotted(func)
            n = len(node.args)
            # obj.__getattribute__(name) or object.__getattribute__(obj, name): the name comes last
            # x.__getattribute__(name) reaches x; object.__getattribute__(x, name) reaches x too
            if func.attr in ("__getattribute__", "__delattr__"):
                self._attribute_by_name(node, func.attr, node.args[-1:],
                                        node.args[:1] if n > 1 else [func.value])
            elif func.attr == "__setattr__":
                self._attribute_by_name(node, func.attr, node.args[-2:-1],
                                        node.args[:1] if n > 2 else [func.value])
            elif dotted in ("operator.attrgetter", "operator.methodcaller"):
                names = node.args if dotted == "operator.attrgetter" else node.args[:1]
                self._attribute_by_name(node, dotted, names, [])
        self.generic_visit(node)

    def _attribute_by_name(self, node: ast.Call, func: str, names: list[ast.expr],
                           targets: list[ast.expr]) -> None:
        """getattr-like calls: a computed name is refused; a literal one is checked like ``.name``."""
        target = targets[0] if targets else None
        target_name = self._dotted(target) if target is not None else None
        for arg in names:
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                if self.rules.computed_attribute_names and func != "hasattr":
                    self.refuse(node, f"{func} with a computed name", REASONS["computed name"])
                continue
            for literal in arg.value.split("."):  # attrgetter("a.b") reaches a, then b
                if literal in self.attributes:
                    self.refuse(node, literal)
            if target_name is not None and self._refused_module(f"{target_name}.{arg.value}"):
                self.refuse(node, self._refused_module(f"{target_name}.{arg.value}"))
            if func in ("setattr", "delattr", "__setattr__", "__delattr__") and target is not None \
                    and self.rules.module_attribute_writes and self._rooted_in_module(target):
                self.refuse(node, f"{func}({target_name}, {arg.value!r})", REASONS["module write"])
