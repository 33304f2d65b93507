"""Student notebooks through nbgrader's own ``generate_assignment``.

nbgrader clears the solution regions of the source notebooks, locks and
checksums the graded cells, and copies the assignment's other files. It runs
like ``nbgrader generate_assignment --no-db`` into a scratch folder, so nothing
(no gradebook.db) is left behind in the course directory; the grader builds its
own gradebook. Besides, nbgrader's gradebook shells out to ``alembic``, which is
not on ``PATH`` when the project's interpreter is called directly.
"""
from __future__ import annotations

import io
import logging
import shutil
import tempfile
from pathlib import Path

from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

CONFIG_FILE = "nbgrader_config.py"
#: Left out of a release besides nbgrader's own defaults (caches of local test runs).
IGNORED = [".pytest_cache", "*.so", "*.c", "build", ".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "mistakes"]


class NotebookError(RuntimeError):
    """nbgrader could not generate the student version of an assignment."""


def load_config(config_dir: Path) -> Config:
    """The course's nbgrader configuration, read from ``config_dir / nbgrader_config.py``."""
    return PyFileConfigLoader(CONFIG_FILE, path=str(config_dir)).load_config()


def code_stub(config: Config) -> str:
    """The Python stub that replaces solution regions (``ClearSolutions.code_stub``)."""
    return config.ClearSolutions.code_stub["python"]


def generate_assignment(assignment: str, source: Path, config: Config, dest: Path, db_url: str | None = None) -> None:
    """Write the student version of ``source / assignment`` into ``dest``.

    Parameters
    ----------
    assignment : str
        The assignment's folder name inside ``source``.
    source : Path
        nbgrader's source directory; its parent is used as the course root.
    config : Config
        The course's nbgrader configuration; it is copied, not modified.
    dest : Path
        Folder to create; it must not exist yet.
    db_url : str, optional
        Also record the assignment's notebooks and cells in this gradebook, as
        ``nbgrader generate_assignment`` does (by default no gradebook is touched).
    """
    # nbgrader pulls in the Jupyter server on import (seconds): only when a release is built.
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory

    with tempfile.TemporaryDirectory(prefix="nbgrader-") as scratch:
        run_config = Config(config)
        course = run_config.CourseDirectory
        course.root = str(source.parent.resolve())
        course.source_directory = source.name
        course.release_directory = str(Path(scratch, "release"))
        course.ignore = IGNORED
        run_config.GenerateAssignment.no_database = db_url is None
        run_config.GenerateAssignment.post_convert_hook = None  # the caller completes the release itself
        run_config.SaveCells.enabled = db_url is not None
        if db_url is not None:
            course.db_url = db_url
        coursedir = CourseDirectory(config=run_config)
        coursedir.assignment_id = assignment
        converter = GenerateAssignment(coursedir=coursedir, config=run_config)
        log = io.StringIO()
        handler = logging.StreamHandler(log)
        converter.log.addHandler(handler)
        try:
            converter.start()
        except Exception as exc:  # nbgrader logs the cause, then raises NbGraderException
            raise NotebookError(f"nbgrader generate_assignment failed for {source / assignment}:\n{log.getvalue()}") from exc
        finally:
            converter.log.removeHandler(handler)
        shutil.copytree(Path(scratch, "release", assignment), dest)
