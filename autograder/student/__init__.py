"""Tools a student runs inside a release folder: ``autograder check`` and ``autograder submit``."""
