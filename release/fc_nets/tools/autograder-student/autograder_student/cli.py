"""The student's ``autograder`` command: ``check`` and ``submit``."""
from __future__ import annotations

import argparse
from collections.abc import Sequence

from autograder_student import __version__, command


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``autograder check`` or ``autograder submit``; return the exit status."""
    parser = argparse.ArgumentParser(prog="autograder", description="Check and submit an assignment.")
    parser.add_argument("--version", action="version", version=f"%(prog)s (student tools) {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    command.register(subparsers)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
