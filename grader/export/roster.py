"""The roster: who the graded folder names are, in the LMS's terms.

A CSV with a ``student_id`` column (the submission's folder or zip name, as in
grades.csv) and any of ``name, email, username, id_number, canvas_id,
sis_user_id, sis_login_id, section``.  Headers are case-insensitive; spaces and
underscores are the same.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, fields
from pathlib import Path

from grader.results import ClassResult


class RosterError(Exception):
    """A roster that cannot be read, naming the file, the line and the fix."""


@dataclass(frozen=True)
class Person:
    student_id: str
    name: str = ""
    email: str = ""
    username: str = ""
    id_number: str = ""
    canvas_id: str = ""
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""


COLUMNS = tuple(f.name for f in fields(Person))


@dataclass(frozen=True)
class Reconciled:
    """The roster against the graded class: nobody is dropped without a name."""

    matched: tuple[Person, ...]
    not_on_roster: tuple[str, ...]   # graded, but no roster row
    never_graded: tuple[Person, ...]  # on the roster, but no report

    def warnings(self, path: Path) -> list[str]:
        out = [f"{sid}: graded but not on the roster {path}, left out. Fix: add a row for "
               f"{sid} (student_id = the submission's folder name)" for sid in self.not_on_roster]
        out += [f"{p.student_id} ({p.name or 'no name'}): on the roster {path} but never graded "
                "(no report): left blank" for p in self.never_graded]
        return out


@dataclass(frozen=True)
class Roster:
    path: Path
    people: dict[str, Person]

    @classmethod
    def read(cls, path: Path) -> Roster:
        try:
            with open(path, newline="", encoding="utf-8-sig") as f:
                rows = list(csv.reader(f))
        except OSError as exc:
            raise RosterError(f"{path}: cannot read the roster ({exc.strerror}). Fix: pass an "
                              "existing CSV file to --roster") from None
        except UnicodeDecodeError:
            raise RosterError(f"{path}: not UTF-8 text. Fix: save the roster as CSV UTF-8") from None
        if not rows:
            raise RosterError(f"{path}: empty roster. Fix: a header row with student_id, then a "
                              "row per student")
        header = [h.strip().lower().replace(" ", "_") for h in rows[0]]
        if "student_id" not in header:
            raise RosterError(f"{path}: no student_id column (the header is {', '.join(rows[0])}). "
                              "Fix: add a student_id column holding each student's submission "
                              "folder name")
        known = [h if h in COLUMNS else None for h in header]
        people: dict[str, Person] = {}
        lines: dict[str, int] = {}
        for line, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            values = {key: cell.strip() for key, cell in zip(known, row, strict=False) if key}
            sid = values.get("student_id", "")
            if not sid:
                raise RosterError(f"{path}:{line}: empty student_id. Fix: fill it in or delete "
                                  "the row")
            if sid in people:
                raise RosterError(f"{path}:{line}: student {sid} is also on line {lines[sid]}. "
                                  "Fix: keep one row per student")
            people[sid] = Person(**values)
            lines[sid] = line
        return cls(path, people)

    def reconcile(self, results: ClassResult) -> Reconciled:
        graded = {rep.student_id for rep in results.students}
        return Reconciled(
            matched=tuple(self.people[rep.student_id] for rep in results.students
                          if rep.student_id in self.people),
            not_on_roster=tuple(sorted(graded - self.people.keys())),
            never_graded=tuple(p for sid, p in sorted(self.people.items()) if sid not in graded),
        )
