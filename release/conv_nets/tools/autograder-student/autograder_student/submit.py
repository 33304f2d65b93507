"""``autograder submit``: zip the student's own files, reproducibly, and fingerprint the zip."""
from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from autograder_student.manifest import AssignmentInfo

#: A fixed timestamp for every zip entry, so the same files always give the same zip.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Archive:
    """A written submission: where, what, how big, and its SHA-256."""

    path: Path
    files: tuple[str, ...]
    size: int
    sha256: str


def archive_name(manifest: AssignmentInfo) -> str:
    return f"{manifest.name}_submission.zip"


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as ``sha256sum`` prints it."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_archive(manifest: AssignmentInfo, folder: Path, archive: Path) -> Archive:
    """Zip the owned files present in ``folder`` (paths as in the release) into ``archive``."""
    included = tuple(path for path in sorted(manifest.student_files) if (folder / path).is_file())
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for path in included:
            entry = zipfile.ZipInfo(path, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            zipped.writestr(entry, (folder / path).read_bytes())
    return Archive(archive, included, archive.stat().st_size, file_sha256(archive))
