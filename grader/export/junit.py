"""``--format junit``: ``<student>.xml`` per student, as CI test reports.

One ``testsuite`` per exercise, one ``testcase`` per hidden test; a failed test's
``failure`` message is its feedback.  Mapping: failed -> ``failure``, error (the
test's set-up failed) -> ``error``, skipped (points lost) -> ``failure`` of type
``skipped``, inconclusive -> ``skipped`` of type ``pending-regrade`` (not lost, not
passed), an exercise that never ran (not submitted, syntax error...) -> each
test a ``failure`` carrying the reason.  Each suite's ``properties`` carry the
raw score, late penalty, final (``pending`` while a regrade waits) and status.
Valid against the Jenkins xUnit ``junit-10.xsd`` (tests/data).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from grader.export import Export, ExportFormat
from grader.export.folder import prepare, student_file
from grader.export.grades import exercise_grade, late_note
from grader.results import ExerciseResult, Outcome, Status, StudentReport, TestResult
from grader.store import write_text_atomic

#: Characters XML 1.0 cannot carry (student output may hold any of them).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object) -> str:
    return _NOT_XML.sub("\ufffd", str(value))


def _seconds(value: float) -> str:
    return f"{max(value, 0.0):.3f}"


def testcase(parent: ET.Element, student: str, ex: ExerciseResult, test: TestResult) -> str:
    """Adds the test's ``testcase``; returns how it counts (passed/failures/errors/skipped)."""
    case = ET.SubElement(parent, "testcase", name=_text(test.name),
                         classname=_text(f"{student}.{ex.exercise}"), time=_seconds(test.duration))
    message = _text(test.message.strip() or ex.message.strip() or test.outcome.value)
    first = message.splitlines()[0] if message else ""
    points = f"{test.points:g}/{test.max_points:g} points"
    if test.outcome is Outcome.PASSED:
        return "passed"
    if test.outcome is Outcome.INCONCLUSIVE:
        ET.SubElement(case, "skipped", type="pending-regrade",
                      message=f"inconclusive, pending a regrade ({test.max_points:g} points "
                              f"not lost): {first}").text = message
        return "skipped"
    if test.outcome is Outcome.ERROR:
        ET.SubElement(case, "error", type="error", message=f"{first} ({points})").text = message
        return "errors"
    ran_whole = ex.status in (Status.GRADED, Status.INCONCLUSIVE)
    kind = test.outcome.value if ran_whole else _text(ex.status.value)
    ET.SubElement(case, "failure", type=kind, message=f"{first} ({points})").text = message
    return "failures"


def suite(student: str, rep: StudentReport, ex: ExerciseResult, title: str) -> ET.Element:
    element = ET.Element("testsuite", name=_text(f"{ex.exercise}: {title}"))
    grade = exercise_grade(rep, ex)
    props = ET.SubElement(element, "properties")
    for name, value in (("raw_score", f"{grade.raw:g}"), ("max_score", f"{grade.max:g}"),
                        ("late_penalty", f"{grade.penalty:g}"),
                        ("final_score", "pending" if grade.pending else f"{grade.final:g}"),
                        ("status", grade.status), ("late", late_note(rep))):
        ET.SubElement(props, "property", name=name, value=_text(value))
    counts = {"passed": 0, "failures": 0, "errors": 0, "skipped": 0}
    for test in ex.tests:
        counts[testcase(element, student, ex, test)] += 1
    element.set("tests", str(len(ex.tests)))
    for key in ("failures", "errors", "skipped"):
        element.set(key, str(counts[key]))
    element.set("time", _seconds(ex.duration or sum(t.duration for t in ex.tests)))
    return element


def document(data: Export, rep: StudentReport) -> ET.ElementTree:
    root = ET.Element("testsuites", name=_text(f"{data.course.name}: {rep.student_id}"))
    for ex_id in data.results.exercise_ids:
        if ex_id in rep.exercises:
            root.append(suite(rep.student_id, rep, rep.exercises[ex_id], data.title(ex_id)))
    for key in ("tests", "failures", "errors"):
        root.set(key, str(sum(int(s.get(key, "0")) for s in root)))
    root.set("time", _seconds(sum(float(s.get("time", "0")) for s in root)))
    ET.indent(root)
    return ET.ElementTree(root)


def write(data: Export, output: Path) -> list[str]:
    prepare(output)
    for rep in data.results.students:
        xml = ET.tostring(document(data, rep).getroot(), encoding="unicode", xml_declaration=True)
        write_text_atomic(student_file(output, rep.student_id, ".xml"), xml + "\n")
    return []


FORMAT = ExportFormat("junit", "JUnit XML, one <student>.xml per student (a folder)", write)
