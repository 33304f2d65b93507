"""The reference solution, laid out like a student submission (``autograder solution``)."""
from __future__ import annotations

import shutil
from pathlib import Path

from autograder.manifest import ManifestError, load_manifest
from autograder.release.builder import Inputs
from autograder.release.modules import manifest_line, write_solution_modules


def write_solution(assignment: str, dest: Path, inputs: Inputs | None = None) -> list[str]:
    """Write the student-owned files of ``assignment``, solved, into ``dest``.

    Modules come from the reference with their marker lines removed; every other
    owned file (the notebooks) is copied from the assignment's source folder.
    Existing files in ``dest`` are overwritten, so ``dest`` may be a copy of the
    release. Returns the written paths, relative to ``dest``.
    """
    inputs = inputs or Inputs.of()
    manifest = load_manifest(assignment, inputs.source, inputs.package)
    write_solution_modules(manifest, inputs.reference, dest / inputs.package)
    for path in manifest.student_files:
        if path.startswith(f"{inputs.package}/"):
            continue
        source = inputs.source / assignment / path
        if not source.is_file():
            raise ManifestError(f"{manifest.path}:{manifest_line(manifest, path)}: {path!r} does not exist in {source.parent}")
        (dest / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, dest / path)
    return list(manifest.student_files)
