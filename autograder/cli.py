"""The ``autograder`` command line (design contract §3; see ``docs/cli.md``).

Each pipeline stage contributes its sub-commands through a ``register(subparsers)``
function in its own ``command`` module; a sub-command sets ``run`` to a callable
that takes the parsed arguments and returns the exit status.
"""
from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

from autograder import __version__

COMMAND_MODULES: tuple[str, ...] = (
    "autograder.release.command",
    "autograder_student.command",
    "autograder.grading.command",
    "autograder.batch.command",
    "autograder.similarity.command",
    "autograder.gradescope",
    "autograder.demo",
)


def build_parser() -> argparse.ArgumentParser:
    """Parser with the sub-commands of every pipeline stage."""
    parser = argparse.ArgumentParser(
        prog="autograder", description="Release, check, submit and grade numnet assignments."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return args.run(args)
