"""Release builder and isolating grader for numnet assignments."""

__version__ = "0.1.0"
