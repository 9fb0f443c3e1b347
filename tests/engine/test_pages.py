"""Report pages: what each shows, and that untrusted text never becomes markup."""

from __future__ import annotations

import re

from grader.pages.render import class_page, feedback_page, pass_rates, write_pages
from tests.engine.pages_sample import HOSTILE, sample_class


def test_feedback_draws_the_race_the_deadlock_and_the_speed(course):
    page = feedback_page(course, sample_class().student(HOSTILE))
    lanes = re.search(r'<table class="lanes">.*?</table>', page, re.S).group(0)
    assert lanes.count('<td class="step"') == 4 and '<tr class="key">' in lanes
    assert "<th>T1</th><th>T2</th>" in lanes and "bank.py:12" in lanes
    assert "two threads read balance=100, both wrote back" in page
    assert 'aria-label="wait-for cycle"' in page and page.count("<circle") == 3
    assert "P0 waits for P1 waits for P2 waits for P0" in page
    assert 'aria-label="measured times"' in page and "ideal (2 CPUs)" in page and "Amdahl (p=0.95)" in page
    assert "Points withheld until test_money_is_conserved pass" in page
    assert "pid 4242: started at primes.py:30" in page
    assert "1 day(s) late: 10% taken" in page and "without the sandbox" in page


def test_untrusted_text_is_escaped_and_no_script_can_run(course):
    graded = sample_class()
    for page in (feedback_page(course, graded.student(HOSTILE)), class_page(course, graded, "concurlab grade S --out O")):
        assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<script" not in page.lower()
        assert "default-src 'none'" in page  # even a slip could not run a script


def test_class_page_shows_scores_common_mistakes_regrades_and_late(course):
    graded = sample_class()
    page = class_page(course, graded, "concurlab grade SUBMISSIONS --out OUT --regrade-inconclusive")
    assert 'aria-label="score histogram"' in page and page.count('<rect class="bar"') == 10
    rates = pass_rates(graded)
    assert (rates[0].passed, rates[0].graded) == (0, 1), "the test everyone failed comes first"
    assert [(r.exercise, r.test) for r in rates][:2] == [("e02_processes_cpu", "test_faster_than_serial"),
                                                         ("e04_bank_transfer", "test_money_is_conserved")]
    assert "--regrade-inconclusive" in page and "only 1 usable CPU: regrade" in page
    assert re.search(r"<td>&lt;script&gt;alert\(1\)&lt;/script&gt;</td><td>1</td><td>10%</td>", page)


def test_pages_are_written_beside_the_reports(course, tmp_path):
    graded = sample_class()
    problems = write_pages(course, tmp_path, graded, "concurlab grade S --out O")
    assert len(problems) == 1 and "unsafe student id" in problems[0], "the hostile id, and only it"
    assert (tmp_path / "ada" / "feedback.html").is_file() and (tmp_path / "class.html").is_file()
    assert not (tmp_path / "<script>alert(1)<").exists()


def test_a_real_failing_interleaving_reaches_the_page(course, tmp_path):
    """From the explorer's steps (not its story text) to lanes: e03's lock-free counter."""
    from grader.batch import grade_class
    from grader.results import ClassResult

    subs = tmp_path / "subs" / "mut" / "e03_race_counter"
    subs.mkdir(parents=True)
    (subs / "counter.py").write_bytes((course.mutants_dir(course.exercises["e03_race_counter"])
                                       / "no_lock.py").read_bytes())
    grade_class(course, tmp_path / "subs", tmp_path / "out", exercise_ids=["e03_race_counter"])
    test = next(t for t in ClassResult.load(tmp_path / "out").student("mut").exercises[
        "e03_race_counter"].tests if t.name == "test_concurrent_increments_are_never_lost")
    assert test.trace is not None and set(test.trace.threads) >= {"T0", "T1"}
    assert any(s.key for s in test.trace.steps) and "lost update" in test.trace.verdict
    page = (tmp_path / "out" / "mut" / "feedback.html").read_text()
    assert '<table class="lanes">' in page and "Counter._value" in page
