"""The ``autograder`` command line (design contract §3; see ``docs/cli.md``).

Each pipeline stage contributes its sub-commands through a ``register(subparsers)``
function in its own ``command`` module; a sub-command sets ``run`` to a callable
that takes the parsed arguments and returns the exit status.

Only the module of the sub-command being run is imported (``grade`` never pays
for the reports, Dask or nbgrader); ``--help`` and unknown commands import them all.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable, Sequence

from autograder import __version__

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
}


def build_parser(commands: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """Parser with the given sub-commands (default: every sub-command of every pipeline stage)."""
    parser = argparse.ArgumentParser(
        prog="autograder", description="Release, check, submit and grade numnet assignments."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = COMMAND_MODULES if commands is None else commands
    for module in dict.fromkeys(COMMAND_MODULES[name] for name in wanted):
        importlib.import_module(module).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    chosen = arguments[:1] if arguments[:1] and arguments[0] in COMMAND_MODULES else None
    parser = build_parser(chosen)
    args = parser.parse_args(arguments)
    if args.command is None:
        parser.print_help()
        return 2
    return args.run(args)
