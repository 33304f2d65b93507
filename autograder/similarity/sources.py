"""Reading the code files of a submission or of the known-solutions folder, defensively.

Files are only read, never imported or run. Binary and oversized files are skipped
with a note; zip submissions are unpacked by the grader's own safe unpacker.
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from autograder.grading.submission import SubmissionError, find_root, unpack_zip

MAX_FILE_BYTES = 512 << 10
CODE_SUFFIXES = (".py", ".pyx")


@dataclass
class CodeFiles:
    """Readable code files (name relative to the submission root -> text) and notes on the rest."""

    texts: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_code(path: Path, label: str, files: CodeFiles) -> None:
    """Add ``path`` to ``files`` under ``label``, or a note saying why it was skipped."""
    if path.is_symlink() or not path.is_file():
        files.notes.append(f"{label}: not a regular file, skipped")
        return
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        files.notes.append(f"{label}: {size >> 10} KiB is over the {MAX_FILE_BYTES >> 10} KiB limit, skipped")
        return
    data = path.read_bytes()
    if b"\0" in data:
        files.notes.append(f"{label}: binary content, skipped")
        return
    try:
        files.texts[label] = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        files.notes.append(f"{label}: not UTF-8 text (byte {exc.start}), skipped")


def submission_code(submission: Path, owned: tuple[str, ...], modules: tuple[str, ...]) -> CodeFiles:
    """The ``modules`` (paths like ``pkg/layers.py``) of a submission folder or ``.zip``."""
    if submission.is_file():
        with tempfile.TemporaryDirectory(prefix="similarity-") as tmp:
            try:
                unpack_zip(submission, Path(tmp))
            except SubmissionError as exc:
                return CodeFiles(notes=[str(exc)])
            return _owned_code(Path(tmp), owned, modules)
    return _owned_code(submission, owned, modules)


def _owned_code(folder: Path, owned: tuple[str, ...], modules: tuple[str, ...]) -> CodeFiles:
    files = CodeFiles()
    try:
        root = find_root(folder, owned)
    except SubmissionError as exc:
        files.notes.append(str(exc))
        return files
    for name in modules:
        if (root / name).exists() or (root / name).is_symlink():
            read_code(root / name, name, files)
        else:
            files.notes.append(f"{name}: missing")
    return files


def known_code(folder: Path) -> Iterator[tuple[str, CodeFiles]]:
    """Every ``.py``/``.pyx`` file under ``folder`` (any layout), one :class:`CodeFiles` each."""
    for path in sorted(folder.rglob("*")):
        if path.suffix in CODE_SUFFIXES and not any(part.startswith(".") for part in path.relative_to(folder).parts):
            files = CodeFiles()
            label = path.relative_to(folder).as_posix()
            read_code(path, label, files)
            yield label, files
