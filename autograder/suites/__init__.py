"""Hidden grading suites, one package per assignment. Never released to students."""
