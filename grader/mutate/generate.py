"""Every mutant of a module: each operator at each place it applies."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from grader.mutate.operators import OPERATORS


@dataclass(frozen=True)
class Mutant:
    operator: str
    index: int       # which site of this operator, in ast.walk order
    line: int        # where, in the original source
    col: int
    source: str

    @property
    def name(self) -> str:
        """A file-name-safe id, stable while the reference does not change."""
        return f"{self.operator}_L{self.line}_{self.index}"

    @property
    def where(self) -> str:
        return f"line {self.line}:{self.col}"


def mutants(source: str, only: set[str] | None = None) -> list[Mutant]:
    """Mutants that compile and differ from the original; in operator, then source order."""
    tree = ast.parse(source)
    original = ast.unparse(tree)
    found: list[Mutant] = []
    seen = {original}
    for name, op in OPERATORS.items():
        if only is not None and name not in only:
            continue
        for index, site in enumerate(op.sites(tree)):
            text = ast.unparse(op.apply(tree, index))
            if text in seen:
                continue
            try:
                compile(text, "<mutant>", "exec")
            except SyntaxError:
                continue
            seen.add(text)
            found.append(Mutant(name, index, getattr(site, "lineno", 0), getattr(site, "col_offset", 0),
                                text + "\n"))
    return found
