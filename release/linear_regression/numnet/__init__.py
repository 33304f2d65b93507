"""numnet: the reference NumPy implementation of the course's layers, networks and models.

This package is the single source of truth for every assignment: releases are
generated from it and the grader compares submissions against it.
"""

__version__ = "0.1.0"
