"""Finding the submissions of a class.

Two layouts are accepted: nbgrader's ``submitted/<student>/<assignment>/`` folders
and a folder of ``<student>.zip`` archives (one per student, as exported by an LMS).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from autograder.grading.submission import READ_CHUNK
from autograder_student.submit import file_sha256


@dataclass(frozen=True)
class Submission:
    """One student's submission: a folder or a ``.zip``."""

    student: str
    path: Path

    def source_sha256(self) -> str:
        """SHA-256 over every regular file of the submission (names and bytes).

        This is the fingerprint a re-run compares against before grading anything;
        it changes whenever any submitted byte changes.
        """
        if self.path.is_file():
            return file_sha256(self.path)
        digest = hashlib.sha256()
        for file in sorted(p for p in self.path.rglob("*") if p.is_file() and not p.is_symlink()):
            if "__pycache__" in file.parts:
                continue
            digest.update(file.relative_to(self.path).as_posix().encode("utf-8", "surrogateescape") + b"\0")
            _feed(file, digest)
            digest.update(b"\0")
        return digest.hexdigest()


def _feed(path: Path, digest) -> None:
    """Add ``path``'s bytes to ``digest`` in chunks, so a huge file costs no memory."""
    with open(path, "rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)


def discover(submitted: Path, assignment: str, zips: Path | None = None) -> list[Submission]:
    """Submissions under ``submitted/<student>/<assignment>/`` and, when given, the
    ``<student>.zip`` files of ``zips``; sorted by student. A student present in
    both places is an error, since it is unclear which one to grade."""
    found: dict[str, Submission] = {}
    if submitted.is_dir():
        for folder in sorted(submitted.glob(f"*/{assignment}")):
            if folder.is_dir():
                found[folder.parent.name] = Submission(folder.parent.name, folder)
    if zips is not None:
        for archive in sorted(zips.glob("*.zip")):
            student = archive.stem
            if student in found:
                raise ValueError(f"student {student!r} has both a folder and {archive.name}")
            found[student] = Submission(student, archive)
    return [found[s] for s in sorted(found)]
