"""nbgrader configuration for this course (the repository is the course directory)."""

c = get_config()  # noqa: F821 - injected by traitlets when nbgrader loads this file

c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"
c.CourseDirectory.assignment_id = ""

# The same stub replaces solution regions in notebooks (nbgrader) and in
# reference modules (our release builder reads this value).
c.ClearSolutions.code_stub = {"python": "raise NotImplementedError(\"not implemented yet\")"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
c.ClearSolutions.begin_solution_delimeter = "BEGIN SOLUTION"
c.ClearSolutions.end_solution_delimeter = "END SOLUTION"

# `nbgrader generate_assignment` (and the formgrader's Generate button) produce the same
# release as `autograder release`: the hook adds the numnet package, README and pytest.ini.
from autograder.release.nbgrader_hook import complete_release_hook  # noqa: E402

c.GenerateAssignment.post_convert_hook = complete_release_hook
