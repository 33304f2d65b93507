"""Turning a submission (folder or ``.zip``) into the sandbox the worker runs.

The sandbox is the release's package with the student-owned files of
the submission laid over it: given files always come from the release, owned files
are taken exactly as submitted. A missing owned file falls back to the release's
stub and is reported, so the other tasks are still graded.
"""
from __future__ import annotations

import hashlib
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.grading.safe_text import NAME_CHARS
from autograder.manifest import Manifest
from autograder_student.submit import file_sha256

MIB = 1 << 20
MAX_UNPACKED_BYTES = 64 * MIB
MAX_FILES = 2000
MAX_DEPTH = 4
MAX_NAME_BYTES = 1024
MAX_NAME_PARTS = 32
#: The longest single file or folder name most file systems accept, in bytes.
MAX_PART_BYTES = 255
#: Files are copied and hashed in chunks of this many bytes.
READ_CHUNK = MIB
SUPPORTED_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA)


class SubmissionError(Exception):
    """A submission that can't be graded at all; the message says why."""


@dataclass
class StagedSubmission:
    """A submission laid out in its sandbox."""

    sandbox: Path
    digest: str
    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    #: SHA-256 of the zip as handed in (what ``autograder submit`` printed); None for a folder.
    archive_digest: str | None = None


def unpack_zip(archive: Path, target: Path) -> None:
    """Extract ``archive`` into ``target``, refusing anything that could escape it or
    that can't be extracted faithfully; every refusal is a :class:`SubmissionError`."""
    try:
        bundle = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise SubmissionError(f"{archive.name} is not a readable zip archive ({_reason(exc)}); "
                              "make a new zip of your files and submit again") from None
    with bundle:
        members = bundle.infolist()
        _check_members(archive, members)
        total = 0
        for member in members:
            if member.is_dir():
                continue
            destination = target.joinpath(*_entry_name(archive, member.filename).parts)
            try:
                destination.parent.mkdir(parents=True, exist_ok=True)
                with bundle.open(member) as source, open(destination, "wb") as sink:
                    while chunk := source.read(READ_CHUNK):
                        total += len(chunk)
                        if total > MAX_UNPACKED_BYTES:
                            raise SubmissionError(f"{archive.name} unpacks to more than {MAX_UNPACKED_BYTES // MIB} MiB")
                        sink.write(chunk)
            except SubmissionError:
                raise
            except Exception as exc:  # noqa: BLE001 - zipfile and zlib report damage with many exception types
                raise SubmissionError(f"{archive.name}: entry {_shown(member.filename)} can't be extracted ({_reason(exc)}); "
                                      "the archive is damaged: make a new zip of your files and submit again") from None


def _check_members(archive: Path, members: list[zipfile.ZipInfo]) -> None:
    """Refuse, before extracting anything, entries that are unsafe, ambiguous or unreadable."""
    if len(members) > MAX_FILES:
        raise SubmissionError(f"{archive.name} holds {len(members)} entries; the limit is {MAX_FILES}")
    declared = sum(member.file_size for member in members)
    if declared > MAX_UNPACKED_BYTES:
        raise SubmissionError(f"{archive.name} declares {declared // MIB} MiB of content; the limit is {MAX_UNPACKED_BYTES // MIB} MiB")
    files: set[PurePosixPath] = set()
    folders: set[PurePosixPath] = set()
    for member in members:
        name = _entry_name(archive, member.filename)
        shown = _shown(member.filename)
        if stat.S_ISLNK(member.external_attr >> 16):
            raise SubmissionError(f"{archive.name}: entry {shown} is a symbolic link")
        if member.flag_bits & 0x1:
            raise SubmissionError(f"{archive.name}: entry {shown} is encrypted; submit a zip without a password")
        if not member.is_dir() and member.compress_type not in SUPPORTED_COMPRESSION:
            raise SubmissionError(f"{archive.name}: entry {shown} uses compression method {member.compress_type}, "
                                  "which can't be read; use the ordinary (deflate) zip compression")
        if name in files:
            raise SubmissionError(f"{archive.name}: entry {shown} appears twice; keep one copy of each file")
        if not member.is_dir():
            files.add(name)
        folders.update(name.parents if not member.is_dir() else (name, *name.parents))
    clash = files & folders
    if clash:
        raise SubmissionError(f"{archive.name}: {_shown(min(clash).as_posix())} is both a file and a folder")


def _entry_name(archive: Path, raw: str) -> PurePosixPath:
    """The entry's relative path, or :class:`SubmissionError` when it could escape or can't be stored."""
    name = PurePosixPath(raw.replace("\\", "/"))
    if name.is_absolute() or ".." in name.parts or not name.parts or ":" in name.parts[0]:
        raise SubmissionError(f"{archive.name}: entry {_shown(raw)} points outside the submission")
    if any(c < " " for c in raw) or any(len(part.encode()) > MAX_PART_BYTES for part in name.parts):
        raise SubmissionError(f"{archive.name}: entry {_shown(raw)} has a name that can't be stored")
    if len(raw.encode()) > MAX_NAME_BYTES or len(name.parts) > MAX_NAME_PARTS:
        raise SubmissionError(f"{archive.name}: entry {_shown(raw)} has a path longer than {MAX_NAME_BYTES} bytes "
                              f"or deeper than {MAX_NAME_PARTS} folders")
    return name


def _shown(name: str) -> str:
    """An entry name as it appears in a message: quoted, and cut when long."""
    return repr(name if len(name) <= NAME_CHARS else name[:NAME_CHARS] + "...")


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def regular_file(root: Path, name: str) -> bool:
    """``root/name`` is a regular file reached without following any symbolic link."""
    path = root / name
    return path.is_file() and path.resolve() == root.resolve().joinpath(name)


def find_root(folder: Path, owned: tuple[str, ...]) -> Path:
    """The folder inside ``folder`` holding the most student-owned files (shallowest on ties)."""
    candidates = [folder] + sorted(
        (p for p in folder.rglob("*") if p.is_dir() and not p.is_symlink() and len(p.relative_to(folder).parts) <= MAX_DEPTH),
        key=lambda p: (len(p.parts), str(p)),
    )
    best, best_count = None, 0
    for candidate in candidates:
        count = sum(regular_file(candidate, f) for f in owned)
        if count > best_count:
            best, best_count = candidate, count
    if best is None:
        raise SubmissionError("none of the expected files was found: " + ", ".join(owned))
    return best


def content_digest(root: Path, files: tuple[str, ...]) -> str:
    """SHA-256 over the names and bytes of the owned files present in ``root``."""
    digest = hashlib.sha256()
    for name in sorted(files):
        path = root / name
        if regular_file(root, name):
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def stage(manifest: Manifest, submission: Path, release: Path, workdir: Path) -> StagedSubmission:
    """Lay ``submission`` over the release's package in ``workdir/sandbox``."""
    try:
        return _stage(manifest, Path(submission), release, workdir)
    except OSError as exc:  # an unreadable file or folder of the submission
        name = Path(exc.filename).name if exc.filename else "a file"
        raise SubmissionError(f"the submission can't be read: {name!r}: {exc.strerror or type(exc).__name__}") from None


def open_submission(submission: Path, scratch: Path, owned: tuple[str, ...]) -> tuple[Path, Path]:
    """``(folder, root)``: the submission folder, or its ``.zip`` unpacked into ``scratch``, and the
    folder in it that holds the owned files (:func:`find_root`)."""
    if submission.is_file():
        scratch.mkdir(parents=True)
        unpack_zip(submission, scratch)
        submission = scratch
    return submission, find_root(submission, owned)


def _stage(manifest: Manifest, submission: Path, release: Path, workdir: Path) -> StagedSubmission:
    if not submission.exists():
        raise SubmissionError(f"submission {submission} does not exist")
    package = manifest.package
    if not (release / package).is_dir():
        raise SubmissionError(f"the release {release} has no {package} package; run `autograder release {manifest.name}`")
    archive_digest = file_sha256(submission) if submission.is_file() else None
    folder, root = open_submission(submission, workdir / "unpacked", manifest.student_files)
    notes = []
    if root != folder:
        notes.append(f"files were found inside '{root.relative_to(folder).as_posix()}/' and graded from there")
    sandbox = workdir / "sandbox"
    shutil.copytree(release / package, sandbox / package, ignore=shutil.ignore_patterns("*.so", "*.c", "__pycache__", "build"))
    missing = []
    for name in manifest.student_files:
        source = root / name
        if regular_file(root, name):
            (sandbox / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, sandbox / name)
        else:
            missing.append(name)
    modules = [m for m in missing if m.startswith(f"{package}/")]
    if modules:
        notes.append("missing file(s): " + ", ".join(modules) + " (the release's stubs were graded in their place)")
    if len(modules) < len(missing):
        notes.append("missing notebook(s): " + ", ".join(m for m in missing if m not in modules))
    return StagedSubmission(sandbox, content_digest(root, manifest.student_files), notes, missing, archive_digest)
