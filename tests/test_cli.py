"""The command line imports only what the chosen sub-command needs."""
import argparse
import subprocess
import sys

import pytest

from autograder.cli import COMMAND_MODULES, build_parser, main

HEAVY = ("matplotlib", "dask", "distributed", "nbgrader", "nbconvert", "jinja2", "autograder.reports", "autograder.batch")


def subcommands(parser: argparse.ArgumentParser) -> set[str]:
    (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(action.choices)


def test_every_registered_subcommand_is_known_to_the_lazy_table():
    assert subcommands(build_parser()) == set(COMMAND_MODULES)


@pytest.mark.parametrize("command", COMMAND_MODULES)
def test_a_subcommand_alone_still_registers_itself(command):
    assert command in subcommands(build_parser([command]))


def test_grade_imports_no_reports_plotting_dask_or_nbgrader():
    probe = ("import sys; from autograder.cli import build_parser; build_parser(['grade']); "
             f"print(sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in {HEAVY!r})))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]", f"`autograder grade` imports {loaded}"


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    shown = capsys.readouterr().out
    assert all(command in shown for command in COMMAND_MODULES)
