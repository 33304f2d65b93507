"""Assignment manifests: ``source/<assignment>/assignment.toml``.

A manifest is the single place that says, for one assignment, which reference
modules are released, which functions are student tasks, which files the student
owns (they form the submission), how many points each task is worth, the
comparison tolerances and the notebooks. See ``docs/manifest.md``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder_student.manifest import (
    AssignmentInfo,
    ManifestError,
    TaskInfo,
    package_of,
    parse_assignment,
    read_toml,
    require,
    string_list,
)

__all__ = ["DEFAULT_TOLERANCES", "EARLIER_CARRIED", "EARLIER_SOLVED", "FunctionRef", "Manifest", "ManifestError", "Task", "course_manifests",
           "earlier_assignments", "load_manifest", "ordered_assignments", "parse_manifest"]

#: Gradescope's visibility settings, for a test (a task's checks) and for the submission's output.
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
#: How the task functions of earlier assignments ship (``[release] earlier_tasks``): solved,
#: or as stubs the student fills with their own code from the earlier submission.
EARLIER_SOLVED, EARLIER_CARRIED = "solved", "carried"
EARLIER_TASK_POLICIES = (EARLIER_SOLVED, EARLIER_CARRIED)
DEFAULT_TOLERANCES = {"forward": 1e-7, "gradient": 1e-6, "numeric": 1e-5, "float32": 1e-4}


@dataclass(frozen=True)
class FunctionRef:
    """A function in a reference module, written ``"layers.py:affine_forward"`` or
    ``"classifiers/fc_net.py:FullyConnectedNet.loss"`` in the manifest."""

    module: str
    qualname: str

    @classmethod
    def parse(cls, text: str) -> "FunctionRef":
        module, sep, qualname = text.partition(":")
        if not sep or not module.endswith((".py", ".pyx")) or not qualname:
            raise ValueError(f"{text!r} is not of the form 'module.py:function'")
        return cls(module, qualname)

    def __str__(self) -> str:
        return f"{self.module}:{self.qualname}"


@dataclass(frozen=True)
class Task(TaskInfo):
    """A graded part of an assignment: its title and points, the functions the student
    writes for it and the tolerances its checks use."""

    functions: tuple[FunctionRef, ...]
    tolerances: dict[str, float]
    visibility: str = "visible"


@dataclass(frozen=True)
class Manifest(AssignmentInfo):
    """One assignment's manifest, validated: the student's view plus the released modules."""

    tasks: dict[str, Task]
    modules: tuple[str, ...]
    package: str
    stdout_visibility: str = "visible"
    order: int | None = None
    after: tuple[str, ...] = ()
    suite: str | None = None
    earlier_tasks: str = EARLIER_SOLVED

    def task_functions(self) -> dict[str, list[str]]:
        """Qualified names of the task functions, grouped by module."""
        grouped: dict[str, list[str]] = {}
        for task in self.tasks.values():
            for ref in task.functions:
                grouped.setdefault(ref.module, []).append(ref.qualname)
        return grouped

    def owned_modules(self) -> tuple[str, ...]:
        """Student-owned files inside the released package, relative to it."""
        prefix = f"{self.package}/"
        return tuple(f.removeprefix(prefix) for f in self.student_files if f.startswith(prefix))


_TOP_KEYS = {"assignment", "release", "submission", "tolerances", "tasks", "gradescope"}
_HEAD_KEYS = {"name", "title", "notebooks", "order", "after", "suite"}
_RELEASE_KEYS = {"modules", "earlier_tasks"}
_TASK_KEYS = {"title", "points", "functions", "tolerances", "visibility"}
_GRADESCOPE_KEYS = {"visibility", "stdout_visibility"}


def _visibility(table: dict[str, Any], key: str, default: str, where: str) -> str:
    value = table.get(key, default)
    if value not in VISIBILITIES:
        raise ManifestError(f"{where}: {key!r} must be one of {', '.join(VISIBILITIES)}; got {value!r}")
    return value


def _tolerances(table: dict[str, Any], base: dict[str, float], where: str) -> dict[str, float]:
    unknown = set(table) - set(DEFAULT_TOLERANCES)
    if unknown:
        raise ManifestError(f"{where}: unknown tolerance(s) {sorted(unknown)}; known: {sorted(DEFAULT_TOLERANCES)}")
    merged = dict(base)
    for key, value in table.items():
        if not isinstance(value, (int, float)) or not 0 < value < 1:
            raise ManifestError(f"{where}: tolerance {key!r} must be a number in (0, 1), got {value!r}")
        merged[key] = float(value)
    return merged


def _order(head: dict[str, Any], where: str) -> tuple[int | None, tuple[str, ...]]:
    order = head.get("order")
    if order is not None and (not isinstance(order, int) or isinstance(order, bool)):
        raise ManifestError(f"{where}: 'order' must be an integer, got {order!r}")
    after = string_list(head, "after", where) if "after" in head else ()
    return order, after


def parse_manifest(data: dict[str, Any], path: Path, package: str | None = None) -> Manifest:
    """Validate the parsed TOML of a manifest: the student's view of it, then the grader's
    sections. ``package`` is the course's reference package (by default, the folder of
    the student's modules)."""
    where = str(path)
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ManifestError(f"{where}: unknown section(s) {sorted(unknown)}")
    info = parse_assignment(data, path)
    head = data["assignment"]
    if set(head) - _HEAD_KEYS:
        raise ManifestError(f"{where} [assignment]: unknown key(s) {sorted(set(head) - _HEAD_KEYS)}")
    order, after = _order(head, f"{where} [assignment]")
    suite = require(head, "suite", str, f"{where} [assignment]") if "suite" in head else None
    package = package or package_of(info.student_files)
    release = require(data, "release", dict, where)
    if set(release) - _RELEASE_KEYS:
        raise ManifestError(f"{where} [release]: unknown key(s) {sorted(set(release) - _RELEASE_KEYS)}")
    modules = string_list(release, "modules", f"{where} [release]")
    earlier_tasks = release.get("earlier_tasks", EARLIER_SOLVED)
    if earlier_tasks not in EARLIER_TASK_POLICIES:
        raise ManifestError(f"{where} [release]: 'earlier_tasks' must be one of {', '.join(EARLIER_TASK_POLICIES)}; "
                            f"got {earlier_tasks!r}")
    tolerances = _tolerances(data.get("tolerances", {}), DEFAULT_TOLERANCES, f"{where} [tolerances]")
    gradescope = data.get("gradescope", {})
    if not isinstance(gradescope, dict) or set(gradescope) - _GRADESCOPE_KEYS:
        raise ManifestError(f"{where} [gradescope]: known keys are {sorted(_GRADESCOPE_KEYS)}")
    default_visibility = _visibility(gradescope, "visibility", "visible", f"{where} [gradescope]")
    tasks: dict[str, Task] = {}
    for task_name, table in data["tasks"].items():
        at = f"{where} [tasks.{task_name}]"
        if set(table) - _TASK_KEYS:
            raise ManifestError(f"{at}: unknown key(s) {sorted(set(table) - _TASK_KEYS)}")
        try:
            functions = tuple(FunctionRef.parse(f) for f in string_list(table, "functions", at))
        except ValueError as exc:
            raise ManifestError(f"{at}: {exc}") from None
        for ref in functions:
            if ref.module not in modules:
                raise ManifestError(f"{at}: {ref} is in {ref.module!r}, which [release] modules does not list")
            if f"{package}/{ref.module}" not in info.student_files:
                raise ManifestError(f"{at}: {ref} must be in a student-owned file; add '{package}/{ref.module}' to [submission] files")
        task = info.tasks[task_name]
        tasks[task_name] = Task(
            name=task_name,
            title=task.title,
            points=task.points,
            functions=functions,
            tolerances=_tolerances(table.get("tolerances", {}), tolerances, at),
            visibility=_visibility(table, "visibility", default_visibility, at),
        )
    return Manifest(
        name=info.name,
        title=info.title,
        path=path,
        notebooks=info.notebooks,
        modules=modules,
        student_files=info.student_files,
        tasks=tasks,
        stdout_visibility=_visibility(gradescope, "stdout_visibility", "visible", f"{where} [gradescope]"),
        package=package,
        order=order,
        after=after,
        suite=suite,
        earlier_tasks=earlier_tasks,
    )


def course_manifests(source: Path, package: str) -> dict[str, Manifest]:
    """Every manifest in the ``source`` folder (``*/assignment.toml``), by assignment name."""
    return {path.parent.name: parse_manifest(read_toml(path), path, package) for path in sorted(source.glob("*/assignment.toml"))}


def earlier_assignments(manifests: dict[str, Manifest], name: str) -> set[str]:
    """The assignments that come before ``name``: a lower ``order``, or listed in its
    ``after`` (and, transitively, whatever those come before)."""

    def direct(current: str) -> set[str]:
        mine = manifests[current]
        for other in mine.after:
            if other not in manifests:
                raise ManifestError(f"{mine.path}: 'after' names {other!r}, which has no manifest")
        lower = {other for other, m in manifests.items()
                 if mine.order is not None and m.order is not None and m.order < mine.order}
        return lower | set(mine.after)

    earlier: set[str] = set()
    pending = [name]
    while pending:
        for other in direct(pending.pop()) - earlier:
            earlier.add(other)
            pending.append(other)
    if name in earlier:
        raise ManifestError(f"{manifests[name].path}: 'after' makes {name!r} come after itself")
    return earlier


def ordered_assignments(source: Path, package: str) -> list[str]:
    """The assignments in ``source``, each after those it comes after."""
    manifests = course_manifests(source, package)
    earlier = {name: earlier_assignments(manifests, name) for name in manifests}
    return sorted(manifests, key=lambda name: (len(earlier[name]), name))


def load_manifest(assignment: str, source: Path | None = None, package: str | None = None) -> Manifest:
    """Load and validate the manifest of ``assignment`` from the ``source`` folder of
    a course whose reference package is ``package`` (default: the current course)."""
    if source is None or package is None:
        from autograder.course import current_course

        course = current_course()
        source, package = source or course.source, package or course.package
    path = source / assignment / "assignment.toml"
    if "/" in assignment or assignment.startswith(".") or not path.is_file():
        known = ", ".join(p.parent.name for p in sorted(source.glob("*/assignment.toml")))
        raise ManifestError(f"unknown assignment {assignment!r}; known: {known or 'none'} (in {source})")
    return parse_manifest(read_toml(path), path, package)
