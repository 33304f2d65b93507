"""Where things live: the course directory (nbgrader's layout) and the project tree."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: The checkout this package was installed from (editable install): the embedded course.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The embedded course's folders, for its tests and benchmarks; the engine asks
#: :func:`autograder.course.current_course` instead.
REFERENCE_PACKAGE = PROJECT_ROOT / "reference" / "numnet"
SOURCE = PROJECT_ROOT / "source"
RELEASE = PROJECT_ROOT / "release"
SUITES = Path(__file__).resolve().parent / "suites"


@dataclass(frozen=True)
class CourseLayout:
    """The folders of a course directory, as ``nbgrader_config.py`` names them.

    Sources, releases and hidden suites are described by :class:`autograder.course.Course`;
    this is what changes per class: submissions, grades and feedback.
    """

    root: Path

    @classmethod
    def discover(cls, root: str | os.PathLike[str] | None = None) -> "CourseLayout":
        """The course at ``root``, else the one :func:`autograder.course.find_course_root` finds."""
        from autograder.course import find_course_root

        return cls(Path(root).resolve() if root else find_course_root())

    @property
    def submitted(self) -> Path:
        return self.root / "submitted"

    @property
    def autograded(self) -> Path:
        return self.root / "autograded"

    @property
    def feedback(self) -> Path:
        return self.root / "feedback"

    @property
    def gradebook(self) -> Path:
        """nbgrader's ``gradebook.db``, where every grade of the course lives."""
        return self.root / "gradebook.db"
