"""``assignment.toml`` as a student's tools read it: the tasks, their points and the owned files.

The grader's manifest (``autograder.manifest``) reads the same file with these
functions and validates its own sections on top; this reader ignores them.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 has only the backport
    import tomli as tomllib

MANIFEST = "assignment.toml"


class ManifestError(ValueError):
    """A manifest that can't be used; the message names the file and the entry."""


@dataclass(frozen=True)
class TaskInfo:
    """A graded task as the student sees it: its title and points."""

    name: str
    title: str
    points: float


@dataclass(frozen=True)
class AssignmentInfo:
    """The parts of a manifest that the student's tools need."""

    name: str
    title: str
    path: Path
    notebooks: tuple[str, ...]
    student_files: tuple[str, ...]
    tasks: dict[str, TaskInfo]

    @property
    def max_score(self) -> float:
        return sum(task.points for task in self.tasks.values())


def require(table: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``table[key]``, or a :class:`ManifestError` when it is missing or not a ``kind``."""
    if key not in table:
        raise ManifestError(f"{where}: missing key {key!r}")
    value = table[key]
    if not isinstance(value, kind):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ManifestError(f"{where}: {key!r} must be a {expected}, got {type(value).__name__}")
    return value


def string_list(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    """``table[key]`` as a list of distinct non-empty strings."""
    values = require(table, key, list, where)
    if not all(isinstance(v, str) and v for v in values):
        raise ManifestError(f"{where}: {key!r} must be a list of non-empty strings")
    if len(set(values)) != len(values):
        raise ManifestError(f"{where}: {key!r} lists a file twice")
    return tuple(values)


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML file ``path``, or a :class:`ManifestError` naming it."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: manifest not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: {exc}") from None


def package_of(student_files: tuple[str, ...]) -> str:
    """The package a release ships, read off the student's module paths (``pkg/mod.py``)."""
    packages = {f.split("/", 1)[0] for f in student_files if "/" in f and f.endswith((".py", ".pyx"))}
    if len(packages) != 1:
        raise ManifestError(f"the student's modules must lie in one package folder, found {sorted(packages) or 'none'}")
    return packages.pop()


def parse_assignment(data: dict[str, Any], path: Path) -> AssignmentInfo:
    """Validate the student-facing parts of a parsed manifest found at ``path``."""
    where = str(path)
    head = require(data, "assignment", dict, where)
    name = require(head, "name", str, f"{where} [assignment]")
    if name != path.parent.name:
        raise ManifestError(f"{where}: [assignment] name {name!r} differs from its folder {path.parent.name!r}")
    student_files = string_list(require(data, "submission", dict, where), "files", f"{where} [submission]")
    tasks: dict[str, TaskInfo] = {}
    for task_name, table in require(data, "tasks", dict, where).items():
        at = f"{where} [tasks.{task_name}]"
        if not isinstance(table, dict):
            raise ManifestError(f"{at}: must be a table")
        points = require(table, "points", (int, float), at)
        if isinstance(points, bool) or points <= 0:
            raise ManifestError(f"{at}: points must be positive, got {points}")
        tasks[task_name] = TaskInfo(task_name, table.get("title", task_name.replace("_", " ")), float(points))
    if not tasks:
        raise ManifestError(f"{where}: no [tasks.*] defined")
    return AssignmentInfo(
        name=name,
        title=head.get("title", name),
        path=path,
        notebooks=string_list(head, "notebooks", f"{where} [assignment]") if "notebooks" in head else (),
        student_files=student_files,
        tasks=tasks,
    )


def load_folder_manifest(folder: Path) -> AssignmentInfo:
    """The manifest of the release folder ``folder``.

    Raises
    ------
    ManifestError
        ``folder`` is not a release folder, or its manifest is unusable.
    """
    path = folder.resolve() / MANIFEST
    if not path.is_file():
        raise ManifestError(f"{folder}: no {MANIFEST} here; run this command inside an assignment's release folder")
    return parse_assignment(read_toml(path), path)
