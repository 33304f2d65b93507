"""The one spelling of every status a check, a task or a public test can have.

The grader (hidden checks, task summaries, results.json, reports) and the student
tools (``autograder check``) both use :class:`Status`; its value is what the JSON
files hold and :attr:`Status.label` is how a person reads it.
"""
from __future__ import annotations

from enum import Enum


class Status(str, Enum):
    """How a check, a task or a public test ended."""

    PASSED = "passed"
    FAILED = "failed"
    PARTIAL = "partial"  # a task: some of its checks passed, not all
    NOT_IMPLEMENTED = "not_implemented"  # the code still raises NotImplementedError
    NOT_BUILT = "not_built"  # the Cython extension is not compiled
    ERROR = "error"  # the check itself could not complete (the instructor is told)
    SKIPPED = "skipped"
    TIMED_OUT = "timed_out"
    CRASHED = "crashed"
    NOT_RUN = "not_run"  # a task: its tests could not run (a file does not compile or import)
    NO_TESTS = "no_tests"  # a task without public tests

    def __str__(self) -> str:
        return self.value

    @property
    def label(self) -> str:
        """The status for people: ``"not implemented"`` for ``NOT_IMPLEMENTED``."""
        return self.value.replace("_", " ")

    @property
    def gradescope(self) -> "Status":
        """The status in Gradescope's results schema, which knows only passed and failed."""
        return Status.PASSED if self is Status.PASSED else Status.FAILED
