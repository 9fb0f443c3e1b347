"""The report pages in a real headless browser (Debian's chromium, from .ci/install-browser).

Each page loads with no console message (a blocked script, a failed resource or a CSP
violation would print one), its lanes and charts are in the DOM, and a student name that
is markup shows as text.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from grader.pages.render import class_page, feedback_page
from tests.engine.pages_sample import HOSTILE, sample_class

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--enable-logging=stderr", "--v=0"]


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("chromium is missing: run .ci/install-browser (make test does)")
    return path


def load(page: Path, tmp: Path, *extra: str) -> tuple[str, list[str]]:
    """The DOM after load and the console messages chromium logged for the page."""
    proc = subprocess.run([_chromium(), *FLAGS, f"--user-data-dir={tmp / 'profile'}", *extra,
                           "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return proc.stdout, console


def test_the_console_check_sees_a_blocked_script(tmp_path):
    """The detector itself: a page whose script the policy blocks logs a console message."""
    bad = tmp_path / "bad.html"
    bad.write_text("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">"
                   "<script>console.log(1)</script>")
    _dom, console = load(bad, tmp_path)
    assert console, "a CSP violation must be reported"


@pytest.mark.parametrize("which", ["feedback", "class"])
def test_page_loads_cleanly_with_lanes_charts_and_names_as_text(course, tmp_path, which):
    graded = sample_class()
    html = (feedback_page(course, graded.student(HOSTILE)) if which == "feedback"
            else class_page(course, graded, "concurlab grade SUBMISSIONS --out OUT --regrade-inconclusive"))
    page = tmp_path / f"{which}.html"
    page.write_text(html, encoding="utf-8")
    dom, console = load(page, tmp_path)
    assert console == [], "\n".join(console)
    assert "<script>alert(1)</script>" not in dom and "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    if which == "feedback":
        assert dom.count('<table class="lanes">') == 2 and 'aria-label="measured times"' in dom
        assert 'aria-label="wait-for cycle"' in dom
    else:
        assert 'aria-label="score histogram"' in dom and '<table class="rates">' in dom
