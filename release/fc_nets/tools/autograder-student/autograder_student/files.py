"""The student's own files in a release folder: which are missing, unreadable or never run."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autograder_student.manifest import AssignmentInfo


def missing_files(manifest: AssignmentInfo, folder: Path) -> list[str]:
    """Student-owned files that are not in ``folder``."""
    return [path for path in manifest.student_files if not (folder / path).is_file()]


def _syntax_error(file: Path, path: str) -> str | None:
    try:
        compile(file.read_bytes(), path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return f"{path}:{exc.lineno}: {exc.msg}"
    except ValueError as exc:  # null bytes
        return f"{path}: {exc}"
    return None


def syntax_errors(manifest: AssignmentInfo, folder: Path) -> list[str]:
    """``path:line: message`` for every owned Python module that does not compile."""
    problems = []
    for path in manifest.student_files:
        file = folder / path
        if file.suffix == ".py" and file.is_file():
            try:
                problem = _syntax_error(file, path)
            except OSError as exc:
                problem = f"{path}: cannot be read ({exc.strerror})"
            if problem:
                problems.append(problem)
    return problems


def _code_cells(notebook: Path) -> list[dict[str, Any]]:
    """The code cells of a notebook file (plain JSON: nbformat would cost seconds to import)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return [cell for cell in cells if cell["cell_type"] == "code"]


def _unreadable(file: Path, path: str) -> str | None:
    try:
        if file.suffix == ".py":
            return _syntax_error(file, path)
        if file.suffix == ".ipynb":
            try:
                _code_cells(file)
            except (ValueError, KeyError, TypeError) as exc:
                return f"{path}: not a readable notebook ({exc.__class__.__name__}: {exc})"
        else:
            file.read_bytes().decode("utf-8")
    except OSError as exc:
        return f"{path}: cannot be read ({exc.strerror})"
    except UnicodeDecodeError as exc:
        return f"{path}: not UTF-8 text (byte {exc.start})"
    return None


def unreadable_files(manifest: AssignmentInfo, folder: Path) -> list[str]:
    """What is wrong with every owned file that can't be used: ``path[:line]: reason``.

    Python modules must compile, notebooks must load as JSON notebooks, other files
    (``.pyx``) must be readable UTF-8 text. Missing files are :func:`missing_files`.
    """
    problems = []
    for path in manifest.student_files:
        file = folder / path
        if file.is_file():
            problem = _unreadable(file, path)
            if problem:
                problems.append(problem)
    return problems


def notebooks_without_outputs(manifest: AssignmentInfo, folder: Path) -> list[str]:
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
