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

from autograder.manifest import Manifest, ManifestError, load_manifest
from autograder.paths import ASSIGNMENTS, PROJECT_ROOT, REFERENCE_PACKAGE, SOURCE
from autograder.release import grading_notebook
from autograder.release.modules import manifest_line, write_release_modules
from autograder.release.notebooks import IGNORED, code_stub, generate_assignment, load_config
from autograder.release.scaffold import write_scaffold

#: Files a local run may leave in a release folder; they are not part of the release.
LOCAL_FILES = (*IGNORED, "*_submission.zip", ".venv")


@dataclass(frozen=True)
class Inputs:
    """Where a release comes from: the reference package, the sources and the nbgrader config."""

    reference: Path = REFERENCE_PACKAGE
    source: Path = SOURCE
    config_dir: Path = PROJECT_ROOT


def later_tasks(assignment: str, source: Path) -> dict[str, list[str]]:
    """Task functions (module -> qualified names) of the assignments after ``assignment``.

    Assignments share one reference package, so an earlier release would otherwise
    ship a later assignment's solutions complete. Assignments without a manifest
    in ``source`` have nothing to withhold.
    """
    withheld: dict[str, list[str]] = {}
    for later in ASSIGNMENTS[ASSIGNMENTS.index(assignment) + 1 :]:
        if (source / later / "assignment.toml").is_file():
            for module, names in load_manifest(later, source).task_functions().items():
                withheld.setdefault(module, []).extend(names)
    return withheld


def build_assignment(assignment: str, dest: Path, inputs: Inputs = Inputs()) -> None:
    """Write the release of ``assignment`` into the new folder ``dest``.

    The task functions of later assignments are stubbed too (see :func:`later_tasks`);
    those of earlier assignments ship complete, as the building blocks they are.
    """
    manifest = load_manifest(assignment, inputs.source)
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
    """Turn nbgrader's output in ``dest`` into the release: add the stripped ``numnet`` package and the scaffold."""
    withheld = later_tasks(manifest.name, inputs.source)
    write_release_modules(manifest, inputs.reference, dest / "numnet", stub, withheld)
    write_scaffold(manifest, dest)


def stale_grading_notebooks(assignments: Iterable[str], source: Path = SOURCE) -> list[str]:
    """Assignments whose ``source/<assignment>/Autograder.ipynb`` does not match their manifest."""
    return [name for name in dict.fromkeys(assignments)
            if _read(source / name / grading_notebook.FILE) != grading_notebook.grading_notebook_text(load_manifest(name, source))]


def write_grading_notebooks(assignments: Iterable[str], source: Path = SOURCE) -> None:
    """(Re)write the grading notebook of each assignment from its manifest."""
    for name in stale_grading_notebooks(assignments, source):
        (source / name / grading_notebook.FILE).write_text(grading_notebook.grading_notebook_text(load_manifest(name, source)),
                                                           encoding="utf-8")


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None


def build(assignments: Iterable[str], release_root: Path, inputs: Inputs = Inputs()) -> None:
    """Rebuild ``release_root / <assignment>`` for each assignment, all or nothing."""
    names = list(dict.fromkeys(assignments))
    release_root.mkdir(parents=True, exist_ok=True)
    write_grading_notebooks(names, inputs.source)
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


def stale_files(assignments: Iterable[str], release_root: Path, inputs: Inputs = Inputs()) -> list[str]:
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
