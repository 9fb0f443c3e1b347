"""A hidden test module may permit named audit events for its subject (``concurlab_permit``).

e19 teaches thread dumps, so its submissions call ``sys._current_frames``; for every
other exercise the policy treats that as tampering.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.driver.subject import Subject, SubjectDied, wait_until

DUMPER = "import sys\n\n\ndef threads():\n    return len(sys._current_frames())\n"


@pytest.fixture
def module_dir(tmp_path: Path) -> Path:
    (tmp_path / "dumper.py").write_text(DUMPER)
    return tmp_path


def test_a_permitted_event_is_not_tampering(module_dir):
    sub = Subject(module_dir, "dumper", call_timeout=20, permit=("sys._current_frames",))
    try:
        assert sub.module().threads() >= 1
    finally:
        sub.close()
    assert sub.flags == []


def test_the_same_event_is_tampering_without_the_permit(module_dir):
    sub = Subject(module_dir, "dumper", call_timeout=20)
    try:
        with pytest.raises(SubjectDied):
            sub.module().threads()
        assert wait_until(lambda: any("sys._current_frames" in f for f in sub.flags), timeout=5)
    finally:
        sub.close()
