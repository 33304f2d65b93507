"""The release folder a student works in, described by the manifest shipped with it."""
from __future__ import annotations

import tomllib
from pathlib import Path

from autograder.manifest import Manifest, ManifestError, parse_manifest

MANIFEST = "assignment.toml"


def load_folder_manifest(folder: Path) -> Manifest:
    """The manifest of the release folder ``folder``.

    Raises
    ------
    ManifestError
        ``folder`` is not a release folder, or its manifest is unusable.
    """
    path = folder.resolve() / MANIFEST
    if not path.is_file():
        raise ManifestError(f"{folder}: no {MANIFEST} here; run this command inside an assignment's release folder")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: {exc}") from None
    return parse_manifest(data, path)
