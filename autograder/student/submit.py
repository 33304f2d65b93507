"""``autograder submit``: validate a release folder and zip the student's own files."""
from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from autograder.manifest import Manifest

#: A fixed timestamp for every zip entry, so the same files always give the same zip.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def archive_name(manifest: Manifest) -> str:
    return f"{manifest.name}_submission.zip"


def missing_files(manifest: Manifest, folder: Path) -> list[str]:
    """Student-owned files that are not in ``folder``."""
    return [path for path in manifest.student_files if not (folder / path).is_file()]


def unreadable_files(manifest: Manifest, folder: Path) -> list[str]:
    """``path:line: reason`` for every owned Python module that doesn't compile and notebook that doesn't load."""
    problems = []
    for path in manifest.student_files:
        file = folder / path
        if not file.is_file():
            continue
        if file.suffix == ".py":
            try:
                compile(file.read_bytes(), path, "exec", dont_inherit=True)
            except SyntaxError as exc:
                problems.append(f"{path}:{exc.lineno}: {exc.msg}")
        elif file.suffix == ".ipynb":
            try:
                _code_cells(file)
            except (ValueError, KeyError, TypeError) as exc:
                problems.append(f"{path}: not a readable notebook ({exc.__class__.__name__}: {exc})")
    return problems


def _code_cells(notebook: Path) -> list[dict[str, Any]]:
    """The code cells of a notebook file (plain JSON: nbformat would cost seconds to import)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [cell for cell in cells if cell["cell_type"] == "code"]


def notebooks_without_outputs(manifest: Manifest, folder: Path) -> list[str]:
    """Owned notebooks with code cells none of which holds an output (never run, or saved cleared)."""
    bare = []
    for path in manifest.student_files:
        file = folder / path
        if file.suffix != ".ipynb" or not file.is_file():
            continue
        code_cells = _code_cells(file)
        if code_cells and not any(cell.get("outputs") for cell in code_cells):
            bare.append(path)
    return bare


def write_archive(manifest: Manifest, folder: Path, archive: Path) -> list[str]:
    """Zip the owned files present in ``folder`` (paths as in the release) into ``archive``."""
    included = [path for path in sorted(manifest.student_files) if (folder / path).is_file()]
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for path in included:
            entry = zipfile.ZipInfo(path, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            zipped.writestr(entry, (folder / path).read_bytes())
    return included
