"""The course: a directory of data the engine grades (see ``docs/authoring.md``).

A course is found the way nbgrader finds one: the directory holding
``nbgrader_config.py``, given with ``--course-dir`` or ``$AUTOGRADER_COURSE_DIR``,
else searched from the working directory upwards, else this project (the
embedded course). Everything course-specific is read from it:

- ``c.Autograder.reference_dir``: the reference package's folder, relative to the course;
  its name is the package's import name, and the name of the package students receive;
- ``c.Autograder.suites_dir``: folder holding one hidden suite per assignment
  (a manifest's ``[assignment] suite`` overrides it for that assignment);
- ``c.CourseDirectory.source_directory`` / ``release_directory``;
- the assignments: every ``source/<assignment>/assignment.toml``.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from traitlets.config import Config

from autograder.paths import PROJECT_ROOT
from autograder.release.notebooks import CONFIG_FILE, load_config

COURSE_ENV = "AUTOGRADER_COURSE_DIR"


class CourseError(ValueError):
    """A course directory that can't be used; the message says what to fix."""


def find_course_root(start: Path | None = None) -> Path:
    """``$AUTOGRADER_COURSE_DIR``, else the nearest folder from ``start`` (the working
    directory) upwards that holds ``nbgrader_config.py``, else the embedded course."""
    if os.environ.get(COURSE_ENV):
        return Path(os.environ[COURSE_ENV]).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    return PROJECT_ROOT


def _setting(section: Config, key: str, default: str) -> str:
    value = section.get(key, default)
    if not isinstance(value, str) or not value:
        raise CourseError(f"{CONFIG_FILE}: {key} must be a non-empty string, got {value!r}")
    return value


@dataclass(frozen=True)
class Course:
    """Where one course keeps its reference, sources, releases and hidden suites."""

    root: Path
    reference: Path
    source: Path
    release: Path
    suites: Path

    @classmethod
    def load(cls, root: Path) -> "Course":
        """The course whose ``nbgrader_config.py`` is in ``root``."""
        root = Path(root).resolve()
        if not (root / CONFIG_FILE).is_file():
            raise CourseError(f"{root} is not a course directory: it has no {CONFIG_FILE}")
        config = load_config(root)
        own, folders = config.Autograder, config.CourseDirectory
        if "reference_dir" not in own:
            raise CourseError(f"{root / CONFIG_FILE}: set c.Autograder.reference_dir to the reference package's folder")
        reference = root / _setting(own, "reference_dir", "")
        if not reference.name.isidentifier() or not (reference / "__init__.py").is_file():
            raise CourseError(f"{root / CONFIG_FILE}: Autograder.reference_dir {reference} is not a Python package folder")
        return cls(
            root=root,
            reference=reference,
            source=root / _setting(folders, "source_directory", "source"),
            release=root / _setting(folders, "release_directory", "release"),
            suites=root / _setting(own, "suites_dir", "suites"),
        )

    @property
    def package(self) -> str:
        """The reference package's import name (its folder's name)."""
        return self.reference.name

    def assignments(self) -> list[str]:
        """The assignments with a manifest in the source folder, earlier ones first."""
        from autograder.manifest import ordered_assignments

        return ordered_assignments(self.source, self.package)

    def import_reference(self) -> None:
        """Make the reference package importable in this (trusted) process."""
        parent = str(self.reference.parent)
        if parent not in sys.path:
            sys.path.insert(0, parent)


@cache
def _load(root: Path) -> Course:
    return Course.load(root)


def current_course() -> Course:
    """The course this process works on (see the module docstring)."""
    return _load(find_course_root())
