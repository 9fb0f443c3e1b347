"""Cells of the CSV exports: untrusted text through :func:`grader.escape.csv_cell`, scores
as the shortest exact text, and the rows written the one way every format shares."""

from __future__ import annotations

import csv
import io

from grader.escape import csv_cell


def text_cell(value: object) -> str:
    """Untrusted text (ids, names, messages) as a cell no spreadsheet evaluates."""
    return str(csv_cell(str(value)))


def number_cell(value: float | None) -> str:
    """A score as the shortest exact text; ``None`` (pending) as an empty cell."""
    return "" if value is None else f"{round(value, 4):g}"


def csv_text(rows: list[list[str]]) -> str:
    """Rows as CSV text (cells already neutralised by the caller)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()
