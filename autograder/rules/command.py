"""``autograder rules ASSIGNMENT [--check]``: the rules table of an assignment.

Prints, for every rule the hidden suite enforces, where a docstring states it, the
public tests that exercise it and the hidden checks that enforce it. ``--check``
prints only the gaps and exits 1 when there are any.
"""
from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from autograder.manifest import ManifestError
from autograder.rules.table import RulesTable, rules_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("rules", help="rules -> public tests -> hidden checks of an assignment")
    parser.add_argument("assignment", nargs="+", help="assignments of the course")
    parser.add_argument("--check", action="store_true", help="only report gaps; exit 1 when there are any")
    parser.set_defaults(run=run)


def render(table: RulesTable) -> Table:
    """The table as rich renders it."""
    out = Table(title=f"Rules of {table.assignment}", show_lines=True)
    for column in ("rule", "stated in", "public tests", "hidden checks"):
        out.add_column(column, overflow="fold")
    for row in table.rows:
        out.add_row(f"{row.rule.id}\n{row.rule.text}", row.rule.where,
                    "\n".join(f"{use.file.split('/')[-1]}::{use.name}" for use in row.public),
                    "\n".join(f"{use.file.split('/')[-1]}::{use.name}" for use in row.hidden))
    return out


def run(args: argparse.Namespace) -> int:
    console = Console(soft_wrap=False)
    failed = False
    for assignment in args.assignment:
        try:
            table = rules_table(assignment)
        except ManifestError as exc:
            console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
            failed = True
            continue
        if not args.check:
            console.print(render(table))
        for problem in table.problems:
            console.print(f"[red]{assignment}:[/red] {escape(problem)}", highlight=False)
        failed = failed or bool(table.problems)
        if args.check and not table.problems:
            console.print(f"{assignment}: every hidden check cites a stated rule that a public test exercises")
    return 1 if failed else 0
