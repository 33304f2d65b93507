"""Where a student's batch outputs live, and the record that makes re-runs resumable.

A student is finished once ``state.json`` exists next to ``results.json``: it is
written atomically *after* the results and feedback, so a run killed at any point
leaves either a complete, recorded grading or none at all. The state records what
the grading depended on (the submission's bytes and the fingerprints of
:mod:`~autograder.grading.provenance`); a re-run reuses the result only when all of
them are unchanged.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder.grading.results import write_atomically
from autograder.paths import CourseLayout

STATE_NAME = "state.json"


@dataclass(frozen=True)
class StudentPaths:
    """The batch outputs of one student for one assignment."""

    results: Path
    feedback: Path
    state: Path

    @classmethod
    def of(cls, course: CourseLayout, student: str, assignment: str) -> "StudentPaths":
        graded = course.autograded / student / assignment
        return cls(graded / "results.json", course.feedback / student / assignment / "feedback.html", graded / STATE_NAME)


@dataclass(frozen=True)
class GradingState:
    """What was graded, with what, and the score it earned."""

    source_sha256: str
    submission_sha256: str
    score: float
    max_score: float
    seconds: float
    graded_with: dict[str, str] = field(default_factory=dict)

    def write(self, path: Path) -> None:
        write_atomically(path, json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def read(cls, path: Path) -> "GradingState | None":
        """The recorded state, or ``None`` when missing or unreadable (then the student is regraded)."""
        try:
            return cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError):
            return None


def is_current(paths: StudentPaths, source_sha256: str, graded_with: dict[str, str]) -> bool:
    """Whether this exact submission was already graded with these exact inputs, and its results are on disk."""
    state = GradingState.read(paths.state)
    return (state is not None and state.source_sha256 == source_sha256 and state.graded_with == graded_with
            and paths.results.is_file())
