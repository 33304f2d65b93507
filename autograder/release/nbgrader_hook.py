"""``nbgrader generate_assignment`` (CLI and formgrader button) builds our whole release.

nbgrader only knows about notebooks and copies the other files of the source
folder, so on its own it would leave ``release/<assignment>/`` without the
course's package, the README and ``pytest.ini``. ``nbgrader_config.py`` installs
:func:`complete_release_hook` as ``GenerateAssignment.post_convert_hook``: once
nbgrader has written the notebooks, the hook adds exactly what ``autograder
release`` adds. If that fails, the half-written release is removed and the
command stops with a message that says to run ``autograder release``.
"""
from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

from traitlets.log import get_logger


class ReleaseNotCompleted(SystemExit):
    """The release could not be completed; the command must fail.

    nbgrader logs and ignores every :class:`Exception` a hook raises, so the
    command would report success. ``SystemExit`` passes through: the CLI exits
    with status 1 and prints the message, and the formgrader's Generate button
    (which runs the converter under nbgrader's ``capture_log``) reports a failure.
    """


def complete_release_hook(assignment: str, student: str, notebooks: Sequence[str]) -> None:
    """nbgrader's ``post_convert_hook`` for ``GenerateAssignment`` (called with keywords only).

    Assignments without an ``assignment.toml`` are plain nbgrader assignments and are left alone.
    The course root is the parent of nbgrader's source directory.
    """
    from autograder.course import Course
    from autograder.manifest import load_manifest
    from autograder.release.builder import Inputs, complete_release
    from autograder.release.notebooks import code_stub, load_config

    if not notebooks:
        return
    source_folder = Path(notebooks[0]).resolve().parent
    if not (source_folder / "assignment.toml").is_file():
        return
    root = source_folder.parent.parent
    config = load_config(root)
    dest = root / config.CourseDirectory.get("release_directory", "release") / source_folder.name
    try:
        inputs = Inputs.of(Course.load(root))
        complete_release(load_manifest(source_folder.name, inputs.source, inputs.package), dest, inputs, code_stub(config))
    except Exception as exc:
        shutil.rmtree(dest, ignore_errors=True)
        message = (f"The release of {source_folder.name} could not be completed ({exc}); {dest} was removed. "
                   f"Run `autograder release {source_folder.name}` to see the problem and build the release.")
        get_logger().error(message)
        raise ReleaseNotCompleted(message) from exc
