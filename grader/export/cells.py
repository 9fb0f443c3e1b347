"""Spreadsheet cells of untrusted text, neutralised against formula injection.

A cell starting with ``= + - @``, a tab or a carriage return is read as a formula
by Excel, LibreOffice and Google Sheets; a leading apostrophe makes it text.
Minimal private helper until grader/escape.py (the sink escapers) merges.
"""

from __future__ import annotations

import csv
import io

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: object) -> str:
    """Untrusted text (ids, names, messages) as a cell no spreadsheet evaluates."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def number_cell(value: float | None) -> str:
    """A score as the shortest exact text; ``None`` (pending) as an empty cell."""
    return "" if value is None else f"{round(value, 4):g}"


def csv_text(rows: list[list[str]]) -> str:
    """Rows as CSV text (cells already neutralised by the caller)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()
