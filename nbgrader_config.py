"""nbgrader configuration for this course (the repository is the course directory).

See docs/nbgrader.md: `autograder release` / `nbgrader generate_assignment` build the
release, the exchange distributes it, `autograder batch` grades `submitted/`, the
formgrader is where manual grades and overrides go.
"""
import os
from pathlib import Path

from autograder.release.nbgrader_hook import complete_release_hook
from autograder.reports.nbgrader_hooks import restore_feedback_page

c = get_config()  # noqa: F821 - injected by traitlets when nbgrader loads this file

c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
c.CourseDirectory.assignment_id = ""
# Our grading records stay with the instructor: never copied into feedback or releases.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", ".pytest_cache", "*.so", "*.c", "build",
                            "feedback", "results.json", "state.json"]

# The exchange: one folder shared by the instructor and the students (docs/nbgrader.md).
# On a single machine the default is exchange/ inside the course; on JupyterHub point
# NBGRADER_EXCHANGE to the shared folder (e.g. /srv/nbgrader/exchange) for everyone.
c.CourseDirectory.course_id = os.environ.get("NBGRADER_COURSE_ID", "numnet")
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", str(Path(__file__).resolve().parent / "exchange"))

# The same stub replaces solution regions in notebooks (nbgrader) and in
# reference modules (our release builder reads this value).
c.ClearSolutions.code_stub = {"python": "raise NotImplementedError(\"not implemented yet\")"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"

# `nbgrader generate_assignment` (and the formgrader's Generate button) produce the same
# release as `autograder release`: the hook adds the numnet package, README and pytest.ini.
c.GenerateAssignment.post_convert_hook = complete_release_hook

# `nbgrader autograde` never runs student code here (no Execute step) and keeps the
# outputs students submitted: no point comes from the notebooks' own check cells.
# `autograder batch` is what grades; it does this import itself.
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.DeduplicateIds", "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells", "autograder.reports.nbgrader_notebooks.SafeOutputs",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties", "nbgrader.preprocessors.CheckCellMetadata",
]

# `nbgrader generate_feedback` turns each student's Autograder.ipynb into our feedback page.
# Feedback is always rebuilt: `autograder batch` already wrote feedback/<student>/<assignment>/.
c.GenerateFeedback.post_convert_hook = restore_feedback_page
c.GenerateFeedback.force = True

# Late submissions: nbgrader's plugin decides the penalty from timestamp.txt and the due
# date set in the formgrader. 'none' (default) records lateness only; 'zero' gives 0.
c.LateSubmissionPlugin.penalty_method = "none"

# The autograder: the reference package (its folder name is the package students
# receive) and the folder of hidden suites, one sub-folder per assignment.
c.Autograder.reference_dir = "reference/numnet"
c.Autograder.suites_dir = "autograder/suites"
