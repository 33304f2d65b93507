"""The student's side of the course: ``autograder check`` and ``autograder submit``.

A package of its own, installed from the ``tools/`` folder of each release: it
holds no solution, no hidden test and no grader code, and depends on none of them.
"""
__version__ = "0.1.0"
