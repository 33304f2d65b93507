"""Where things live: the course directory (nbgrader's layout) and the project tree."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ASSIGNMENTS = ("linear_regression", "fc_nets", "conv_nets")

#: The checkout this package was installed from (editable install).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_PACKAGE = PROJECT_ROOT / "reference" / "numnet"
SOURCE = PROJECT_ROOT / "source"
RELEASE = PROJECT_ROOT / "release"
SUITES = Path(__file__).resolve().parent / "suites"


@dataclass(frozen=True)
class CourseLayout:
    """The folders of a course directory, as ``nbgrader_config.py`` names them.

    Sources, releases and hidden suites always come from this project; the course
    directory holds what changes per class: submissions, grades and feedback.
    """

    root: Path

    @classmethod
    def discover(cls, root: str | os.PathLike[str] | None = None) -> "CourseLayout":
        """The course at ``root``, else ``$AUTOGRADER_COURSE_DIR``, else this checkout."""
        chosen = root or os.environ.get("AUTOGRADER_COURSE_DIR") or PROJECT_ROOT
        return cls(Path(chosen).resolve())

    @property
    def submitted(self) -> Path:
        return self.root / "submitted"

    @property
    def autograded(self) -> Path:
        return self.root / "autograded"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback"
