"""The ``autograder`` command line (see ``docs/`` and design contract §3)."""
from __future__ import annotations

import argparse
from collections.abc import Sequence

from autograder import __version__


def build_parser() -> argparse.ArgumentParser:
    """Parser with one sub-command per pipeline stage."""
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return args.run(args)
