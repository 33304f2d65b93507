"""``release/<assignment>/``: notebooks, stripped modules, public tests and scaffold.

Every requested assignment is built into a scratch folder first; only when all of
them succeeded do they replace the committed folders, so a failure leaves
``release/`` as it was. The output depends only on the inputs (no timestamps), which
is what lets :func:`stale_files` compare a fresh build with the committed one.
"""
from __future__ import annotations

import fnmatch
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from autograder.course import Course, current_course
from autograder.manifest import (
    EARLIER_CARRIED,
    Manifest,
    ManifestError,
    course_manifests,
    earlier_assignments,
    load_manifest,
)
from autograder.release import grading_notebook
from autograder.release.modules import manifest_line, write_release_modules
from autograder.release.notebooks import IGNORED, code_stub, generate_assignment, load_config
from autograder.release.scaffold import write_scaffold

#: Files a local run may leave in a release folder; they are not part of the release.
LOCAL_FILES = (*IGNORED, "*_submission.zip", ".venv")


@dataclass(frozen=True)
class Inputs:
    """Where a release comes from: the reference package (its folder name is the
    package's name), the sources and the folder of the nbgrader config."""

    reference: Path
    source: Path
    config_dir: Path

    @classmethod
    def of(cls, course: Course | None = None) -> "Inputs":
        """The inputs of ``course`` (default: the current course)."""
        course = course or current_course()
        return cls(course.reference, course.source, course.root)

    @property
    def package(self) -> str:
        return self.reference.name


def _task_functions(manifests: Iterable[Manifest]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for manifest in manifests:
        for module, names in manifest.task_functions().items():
            grouped.setdefault(module, []).extend(names)
    return grouped


def other_tasks(assignment: str, inputs: Inputs) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The task functions (module -> qualified names) of the other assignments that ship
    stubbed in ``assignment``'s release: ``(withheld, carried)``.

    Assignments share one reference package, so a release would otherwise ship the
    solutions of the assignments still to come complete: those are withheld. The
    earlier assignments' (``order`` / ``after``) ship solved, unless the manifest says
    ``[release] earlier_tasks = "carried"``: then they are stubs the student fills with
    their own code from the earlier submission.
    """
    manifests = course_manifests(inputs.source, inputs.package)
    earlier = earlier_assignments(manifests, assignment)
    later = [m for name, m in manifests.items() if name not in earlier | {assignment}]
    if manifests[assignment].earlier_tasks != EARLIER_CARRIED:
        return _task_functions(later), {}
    return _task_functions(later), _task_functions(manifests[name] for name in sorted(earlier))


def stubbed_tasks(assignment: str, inputs: Inputs) -> dict[str, list[str]]:
    """The other assignments' task functions (module -> qualified names) that ship stubbed
    in ``assignment``'s release: withheld or carried over (:func:`other_tasks`)."""
    withheld, carried = other_tasks(assignment, inputs)
    return {module: [*withheld.get(module, ()), *carried.get(module, ())] for module in {**withheld, **carried}}


def check_carried(manifest: Manifest, carried: dict[str, list[str]]) -> None:
    """A released module holding carried-over tasks must be the student's: it comes from the submission."""
    for module in manifest.modules:
        owned = f"{manifest.package}/{module}"
        if carried.get(module) and owned not in manifest.student_files:
            raise ManifestError(
                f"{manifest.path}: [release] earlier_tasks = \"{EARLIER_CARRIED}\" carries over "
                f"{', '.join(carried[module])} in {module}: add '{owned}' to [submission] files")


def build_assignment(assignment: str, dest: Path, inputs: Inputs | None = None) -> None:
    """Write the release of ``assignment`` into the new folder ``dest``.

    The task functions of assignments still to come are stubbed too, and those of
    earlier ones ship complete, as the building blocks they are, or stubbed for the
    student to carry over (see :func:`other_tasks`).
    """
    inputs = inputs or Inputs.of()
    manifest = load_manifest(assignment, inputs.source, inputs.package)
    for notebook in manifest.notebooks:
        if not (inputs.source / assignment / notebook).is_file():
            raise ManifestError(
                f"{manifest.path}:{manifest_line(manifest, notebook)}: notebook {notebook!r} does not exist in "
                f"{inputs.source / assignment}"
            )
    config = load_config(inputs.config_dir)
    generate_assignment(assignment, inputs.source, config, dest)
    complete_release(manifest, dest, inputs, code_stub(config))


def complete_release(manifest: Manifest, dest: Path, inputs: Inputs, stub: str) -> None:
    """Turn nbgrader's output in ``dest`` into the release: add the stripped package and the scaffold."""
    carried = other_tasks(manifest.name, inputs)[1]
    check_carried(manifest, carried)
    write_release_modules(manifest, inputs.reference, dest / inputs.package, stub, stubbed_tasks(manifest.name, inputs))
    write_scaffold(manifest, dest, {module: names for module, names in carried.items() if module in manifest.modules})


def _grading_notebook(name: str, inputs: Inputs) -> str:
    return grading_notebook.grading_notebook_text(load_manifest(name, inputs.source, inputs.package))


def stale_grading_notebooks(assignments: Iterable[str], inputs: Inputs | None = None) -> list[str]:
    """Assignments whose ``source/<assignment>/Autograder.ipynb`` does not match their manifest."""
    inputs = inputs or Inputs.of()
    return [name for name in dict.fromkeys(assignments)
            if _read(inputs.source / name / grading_notebook.FILE) != _grading_notebook(name, inputs)]


def write_grading_notebooks(assignments: Iterable[str], inputs: Inputs) -> None:
    """(Re)write the grading notebook of each assignment from its manifest."""
    for name in stale_grading_notebooks(assignments, inputs):
        (inputs.source / name / grading_notebook.FILE).write_text(_grading_notebook(name, inputs), encoding="utf-8")


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def build(assignments: Iterable[str], release_root: Path, inputs: Inputs | None = None) -> None:
    """Rebuild ``release_root / <assignment>`` for each assignment, all or nothing."""
    inputs = inputs or Inputs.of()
    names = list(dict.fromkeys(assignments))
    release_root.mkdir(parents=True, exist_ok=True)
    write_grading_notebooks(names, inputs)
    with tempfile.TemporaryDirectory(dir=release_root, prefix=".build-") as scratch:
        for name in names:
            build_assignment(name, Path(scratch, name), inputs)
        for name in names:
            target = release_root / name
            if target.exists():
                target.rename(Path(scratch, f"{name}.old"))
            Path(scratch, name).rename(target)


def _is_local(relative: Path) -> bool:
    return any(fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in LOCAL_FILES)


def release_files(folder: Path) -> dict[str, bytes]:
    """The files of a release folder (relative POSIX path -> bytes), local run artefacts left out."""
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not _is_local(path.relative_to(folder))
    }


def stale_files(assignments: Iterable[str], release_root: Path, inputs: Inputs | None = None) -> list[str]:
    """Paths under ``release_root`` that a fresh build would add, change or remove."""
    differences: list[str] = []
    with tempfile.TemporaryDirectory(prefix="release-check-") as scratch:
        for name in dict.fromkeys(assignments):
            build_assignment(name, Path(scratch, name), inputs)
            fresh, committed = release_files(Path(scratch, name)), release_files(release_root / name)
            for path in sorted(fresh.keys() | committed.keys()):
                if path not in committed:
                    differences.append(f"{name}/{path}: missing")
                elif path not in fresh:
                    differences.append(f"{name}/{path}: not produced by the build")
                elif fresh[path] != committed[path]:
                    differences.append(f"{name}/{path}: differs")
    return differences
