"""JUnit XML for a whole batch: one ``<testsuite>`` per student, as CI dashboards expect."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from autograder.batch.run import ClassRow
from autograder.grading.results import junit_suite
from autograder.grading.safe_text import clean_text


def batch_junit(rows: Sequence[ClassRow], assignment: str) -> str:
    """A ``<testsuites>`` document; a student whose grading failed is one errored test case."""
    suites = ET.Element("testsuites", name=assignment)
    for row in rows:
        if row.results is not None:
            suite = junit_suite(row.results, f"{assignment}.{row.student}")
        else:
            name = clean_text(f"{assignment}.{row.student}")
            suite = ET.Element("testsuite", name=name, tests="1", failures="0", errors="1", time=f"{row.seconds:.3f}")
            case = ET.SubElement(suite, "testcase", classname=name, name="grading")
            ET.SubElement(case, "error", message="grading did not complete").text = clean_text(row.error)
        suites.append(suite)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
