"""Untrusted text made safe for each place it is written: one function per sink.

Everything a submission prints or names (failure messages, evidence, folder and
zip names) may carry terminal escape codes, markdown that closes a code fence,
raw HTML, a spreadsheet formula or a lone surrogate that no encoder accepts.
Every writer passes such text through the function for its sink, and nothing
else; each function is total (it never raises on any ``str``).
"""

from __future__ import annotations

import re

import jinja2
import markupsafe

#: C0 and C1 controls, DEL, Unicode line/paragraph separators and the bidi
#: overrides and isolates that reorder what a reader sees ("Trojan source").
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_BACKTICKS = re.compile("`+")
#: Characters that make markdown structure inside a line (emphasis, code, links, tables);
#: ``<`` and ``&`` become entities, so no HTML or autolink can start either.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#!|~])")
#: Cells a spreadsheet would read as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _show(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def encodable(text: str) -> str:
    """``text`` with lone surrogates written as ``\\udcxx``: UTF-8 can always encode it."""
    return _SURROGATES.sub(lambda m: _show(m.group()), text)


def terminal(text: str, *, multiline: bool = False) -> str:
    """For a terminal: every control character and escape sequence shown, not obeyed.

    ``ESC ] 52`` (clipboard), ``ESC [ 2 J`` (clear screen), a carriage return that
    overwrites a line, a bell: all print as ``\\x1b``-style escapes.  With
    ``multiline`` newlines (and tabs) are kept; table cells and one-line warnings
    keep nothing.
    """
    keep = "\n\t" if multiline else ""
    return encodable(_CONTROLS.sub(lambda m: m.group() if m.group() in keep else _show(m.group()),
                                   text))


def markdown_text(text: str) -> str:
    """For inline markdown (a heading, a list item): literal text, one line, no HTML, no links."""
    one_line = terminal(text)
    html_safe = one_line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html_safe)


def markdown_code(text: str, *, indent: str = "") -> list[str]:
    """A fenced code block holding ``text`` verbatim, as lines each prefixed with ``indent``.

    The fence is longer than any run of backticks in ``text``, so nothing inside can
    close it; inside a fence, HTML and links are shown as text.  Controls are shown
    escaped, so a carriage return cannot start a new markdown line either.
    """
    body = terminal(text, multiline=True).replace("\t", "    ")
    longest = max((len(run) for run in _BACKTICKS.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [indent + fence, *(indent + line for line in body.split("\n")), indent + fence]


def csv_cell(value: str | float | int) -> str | float | int:
    """For a CSV cell: numbers stay numbers; text that a spreadsheet would run as a formula
    (starting with ``= + - @``, a tab or a line break) gets a leading ``'``.
    """
    if not isinstance(value, str):
        return value
    text = encodable(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def html(text: str) -> markupsafe.Markup:
    """For HTML: ``<``, ``>``, ``&`` and quotes escaped (what autoescape does in templates)."""
    return markupsafe.escape(encodable(text))


def _encodable_text(value: object) -> object:
    """Text made encodable before it is escaped; markup already rendered (a macro's output) kept."""
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return encodable(value)
    return value


def html_environment(loader: jinja2.BaseLoader | None = None, **options: object) -> jinja2.Environment:
    """The one Jinja2 environment for HTML reports: autoescape on, undefined names an error."""
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                              finalize=_encodable_text, **options)
