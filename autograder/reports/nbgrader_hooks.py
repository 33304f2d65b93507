"""nbgrader hooks for the grading side (installed by ``nbgrader_config.py``).

``nbgrader generate_feedback`` renders each graded notebook of
``autograded/<student>/<assignment>/`` to HTML and replaces the student's feedback
folder. :func:`restore_feedback_page` then writes our feedback page (every task,
every check) as ``Autograder.html``, the page of the grading notebook the student
submitted, so ``nbgrader release_feedback`` / ``fetch_feedback`` deliver it; and
back as ``feedback.html``, where ``autograder batch`` keeps it. The page carries
the student's grade as the gradebook holds it at that moment: scores and
comments a grader entered in the formgrader, written answers, late penalty.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from traitlets.log import get_logger

FEEDBACK_PAGE = "feedback.html"


def restore_feedback_page(assignment: str, student: str, notebooks: Sequence[str]) -> None:
    """``GenerateFeedback.post_convert_hook``: our feedback page for the student whose notebooks these are."""
    from autograder.grading.feedback import write_feedback
    from autograder.grading.results import Results
    from autograder.manifest import load_manifest
    from autograder.paths import CourseLayout
    from autograder.release.grading_notebook import NAME
    from autograder.release.notebooks import load_config
    from autograder.reports.nbgrader_db import read_grade

    if not notebooks:
        return
    graded = Path(notebooks[0]).resolve().parent
    results_file = graded / "results.json"
    if not results_file.is_file():
        return
    root, student_id, assignment_id = graded.parents[2], graded.parent.name, graded.name
    config = load_config(root)
    folder = root / config.CourseDirectory.get("feedback_directory", "feedback") / student_id / assignment_id
    try:
        results = Results.from_json(json.loads(results_file.read_text(encoding="utf-8")))
        manifest = load_manifest(assignment_id)
        grade = read_grade(CourseLayout(root).gradebook, manifest, student_id)
        for name in (f"{NAME}.html", FEEDBACK_PAGE):
            write_feedback(folder / name, results, manifest.title, student_id, grade)
            (folder / name).chmod(0o644)
    except Exception as exc:
        get_logger().error("Could not write the feedback page of %s for %s: %s", assignment_id, student_id, exc)
        raise
