"""What a grading depended on, besides the submission: fingerprints that make regrades honest.

A result stays valid only while the grader, the release the submission is laid over,
the hidden suite, the reference it compares against and the course secret are the
same. Each is summarised by a short digest; the secret by an id derived from it
(never the secret, never where it is stored).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import autograder
import autograder_student
from autograder.grading.seeds import Secret
from autograder.manifest import Manifest

GRADER = Path(autograder.__file__).resolve().parent
#: The student package's manifest reader, which the grader's manifest builds on, and the statuses both share.
STUDENT_SHARED = tuple(Path(autograder_student.__file__).resolve().parent / name for name in ("manifest.py", "status.py"))
SOURCE_SUFFIXES = (".py", ".pyx", ".ini", ".toml")


def tree_sha256(*roots: Path) -> str:
    """SHA-256 over the relative names and bytes of the source files under ``roots``
    (Python, Cython, ini and TOML files; caches and build output are left out)."""
    digest = hashlib.sha256()
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts and "build" not in path.parts:
                name = path.name if path == root else path.relative_to(root).as_posix()
                digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def graded_with(manifest: Manifest, secret: Secret, release: Path, suite: Path, reference: Path) -> dict[str, str]:
    """The fingerprints of everything a grading of ``manifest``'s assignment depends on,
    besides the submission: ``release`` is its release folder, ``suite`` its hidden suite."""
    suites = suite.parent
    return {
        "grader": f"{autograder.__version__}+{tree_sha256(GRADER / 'grading', GRADER / 'manifest.py', *STUDENT_SHARED)}",
        "release": tree_sha256(release / manifest.package, manifest.path),
        "suite": tree_sha256(suite, suites / "pytest.ini", suites / "conftest.py"),
        "reference": tree_sha256(reference),
        "secret": secret.id,
    }
