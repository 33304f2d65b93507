"""Reference modules as they ship: stripped for a release, unmarked for a solution."""
from __future__ import annotations

import shutil
from collections.abc import Collection, Mapping
from pathlib import Path

from autograder.manifest import Manifest, ManifestError
from autograder.release.markers import MissingFunction, strip

SOURCE_SUFFIXES = (".py", ".pyx")


def manifest_line(manifest: Manifest, entry: str) -> int:
    """The line of ``manifest``'s file that first names ``entry`` (1 when none does)."""
    for number, line in enumerate(manifest.path.read_text(encoding="utf-8").splitlines(), start=1):
        if f'"{entry}"' in line or f"'{entry}'" in line:
            return number
    return 1


def _write_module(source: Path, target: Path, tasks: Collection[str], stub: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.suffix in SOURCE_SUFFIXES:
        text = strip(source.read_text(encoding="utf-8"), str(source), tasks, stub)
        target.write_text(text, encoding="utf-8")
    else:
        shutil.copyfile(source, target)


def _reference_file(manifest: Manifest, reference: Path, module: str) -> Path:
    source = reference / module
    if not source.is_file():
        raise ManifestError(
            f"{manifest.path}:{manifest_line(manifest, module)}: module {module!r} does not exist in {reference}"
        )
    return source


def write_release_modules(
    manifest: Manifest, reference: Path, package: Path, stub: str, withheld: Mapping[str, Collection[str]] | None = None
) -> None:
    """Copy the manifest's ``[release] modules`` from ``reference`` into ``package``.

    The solution regions of the task functions, and of the ``withheld`` functions
    (module -> qualified names: the tasks of later assignments, and of earlier ones
    the student carries over), are replaced by ``stub``; every other region keeps its
    code and loses only its marker lines.

    Raises
    ------
    ManifestError
        A listed module or a task function is missing from ``reference``.
    MarkerError
        Unbalanced markers or a task function without a region.
    """
    tasks = manifest.task_functions()
    for module in manifest.modules:
        source = _reference_file(manifest, reference, module)
        stubbed = dict.fromkeys([*tasks.get(module, ()), *(withheld or {}).get(module, ())])
        try:
            _write_module(source, package / module, stubbed, stub)
        except MissingFunction as exc:
            entry = f"{module}:{exc.qualname}"
            raise ManifestError(
                f"{manifest.path}:{manifest_line(manifest, entry)}: task function {entry!r} is not defined in {source}"
            ) from None


def write_solution_modules(manifest: Manifest, reference: Path, package: Path) -> None:
    """Copy the student-owned modules from ``reference`` into ``package``, markers removed."""
    for module in manifest.owned_modules():
        _write_module(_reference_file(manifest, reference, module), package / module, (), "")
