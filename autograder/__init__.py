"""Release builder and isolating grader for NumPy course assignments (any course laid out as in docs/authoring.md)."""

__version__ = "0.1.0"
