"""Build the sample class that `make demo` grades, from the references and mutants.

- ada: every reference solution (full marks);
- grace: every other exercise, one of them with a syntax error (partial);
- linus: one plausible bug per exercise (the first mutant of each), handed in as a zip.

Built afresh by every `make demo` (never committed, so it cannot drift from
the references): python examples/build_class.py [OUT] (default demo-class/).
"""

from __future__ import annotations

import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.course import load_course  # noqa: E402


def main() -> None:
    course = load_course(ROOT / "course.yml")
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "demo-class"
    shutil.rmtree(out, ignore_errors=True)
    bugs: dict[str, bytes] = {}
    for i, ex in enumerate(course.exercises.values()):
        reference = (course.solution_dir(ex) / f"{ex.module}.py").read_bytes()
        rel = f"{ex.id}/{ex.module}.py"
        _write(out / "ada" / rel, reference)
        if i % 2 == 0:
            source = reference if i != 2 else reference.replace(b"def ", b"def def ", 1)
            _write(out / "grace" / rel, source)
        mutants = sorted(course.mutants_dir(ex).glob("*.py"))
        if mutants:
            bugs[f"linus/{rel}"] = mutants[0].read_bytes()
    with zipfile.ZipFile(out / "linus.zip", "w") as zf:
        for name, data in sorted(bugs.items()):
            zf.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), data)
    print(f"wrote {out}: ada (full), grace (partial), linus.zip (a bug per exercise)")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


if __name__ == "__main__":
    main()
