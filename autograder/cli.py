"""The ``autograder`` command line (design contract §3; the table in README.md).

Each pipeline stage contributes its sub-commands through a ``register(subparsers)``
function in its own ``command`` module; a sub-command sets ``run`` to a callable
that takes the parsed arguments and returns the exit status.

Only the module of the sub-command being run is imported (``grade`` never pays
for the reports, Dask or nbgrader); ``--help`` and unknown commands import them all.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from autograder import __version__
from autograder.course import COURSE_ENV, CourseError

#: Sub-command name -> the module whose ``register`` adds it, in the order of ``--help``.
COMMAND_MODULES: dict[str, str] = {
    "release": "autograder.release.command",
    "solution": "autograder.release.command",
    "check": "autograder_student.command",
    "submit": "autograder_student.command",
    "grade": "autograder.grading.command",
    "rules": "autograder.rules.command",
    "batch": "autograder.batch.command",
    "similarity": "autograder.similarity.command",
    "gradescope": "autograder.gradescope",
    "demo": "autograder.demo",
    "quickstart": "autograder.quickstart",
}
COURSE_OPTION = "--course-dir"


def build_parser(commands: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """Parser with the given sub-commands (default: every sub-command of every pipeline stage)."""
    parser = argparse.ArgumentParser(
        prog="autograder", description="Release, check, submit and grade the assignments of a course."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(COURSE_OPTION, dest="course_root", type=Path, metavar="DIR",
                        help=f"the course directory (default: ${COURSE_ENV}, else the nearest folder upwards "
                             "holding nbgrader_config.py, else the embedded course)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = COMMAND_MODULES if commands is None else commands
    for module in dict.fromkeys(COMMAND_MODULES[name] for name in wanted):
        importlib.import_module(module).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    name = _command_name(arguments)
    parser = build_parser(None if name is None else [name])
    args = parser.parse_args(arguments)
    if args.command is None:
        parser.print_help()
        return 2
    if args.course_root is not None:  # the environment carries it to worker processes too
        os.environ[COURSE_ENV] = str(args.course_root.resolve())
    try:
        return args.run(args)
    except CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _command_name(arguments: Sequence[str]) -> str | None:
    """The sub-command named on the command line, after any global options."""
    rest = list(arguments)
    while rest and rest[0].startswith("-"):
        option = rest.pop(0)
        if option == COURSE_OPTION and rest:
            rest.pop(0)
    return rest[0] if rest and rest[0] in COMMAND_MODULES else None
