"""Measured invariance of the hidden suites over student ids (``make invariance``).

For every assignment: the share of ids for which the reference gets full marks on
every hidden test; for every corpus bug (and every demo mistake, measured through the
corpus bug it equals), the share of ids for which it loses points on every task it
names (caught) and on those tasks only (exact); for every alternative correct
implementation, the share of ids with full marks. Hidden suites run in this process
(:mod:`local_grading`), so thousands of ids cost minutes.

    .venv/bin/python tests/invariance.py [--reference-ids 2000] [--bug-ids 50]
        [--alternative-ids 50] [--first-id N] [--json FILE] [ASSIGNMENT ...]

Exits non-zero when any rate is below 100 %. ``tests/test_properties.py`` runs the
same measurement with few ids in ``make test``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

import test_corpus_conv_nets
import test_corpus_fc_nets
import test_corpus_linear_regression
from autograder.course import current_course
from autograder.demo import MISTAKES_FOLDER, load_mistakes
from grading_support import TEST_SECRET, Mutation, reference_submission
from local_grading import LocalWorker, Run, staged_worker, sweep

ASSIGNMENTS = ("linear_regression", "fc_nets", "conv_nets")
CORPORA = {"linear_regression": test_corpus_linear_regression, "fc_nets": test_corpus_fc_nets,
           "conv_nets": test_corpus_conv_nets}
EXAMPLES = 3  # failing ids quoted per row


@dataclass(frozen=True)
class Case:
    """A submission measured over many ids: the reference solution changed by ``edits``.

    ``lost`` names the tasks that must lose points (empty: a correct submission).
    """

    name: str
    edits: tuple[Mutation, ...]
    lost: frozenset[str] = frozenset()

    def write(self, assignment: str, dest: Path) -> Path:
        return edited_submission(assignment, self.edits, dest)


def edited_submission(assignment: str, edits: Sequence[Mutation], dest: Path) -> Path:
    """The reference solution written to ``dest`` with ``edits`` applied."""
    reference_submission(assignment, dest)
    for edit in edits:
        edit.apply(dest)
    return dest


def student_ids(count: int, first: int = 0) -> list[str]:
    return [f"student-{i:05d}" for i in range(first, first + count)]


def _edited_files(assignment: str, edits: Sequence[Mutation], workdir: Path) -> dict[str, str]:
    """The files ``edits`` change, as they read after the edits."""
    submission = edited_submission(assignment, edits, workdir)
    return {edit.file: (submission / edit.file).read_text() for edit in edits}


def bug_cases(assignment: str, workdir: Path) -> tuple[list[Case], dict[str, str]]:
    """The corpus bugs, and for each demo mistake the corpus bug it equals (same files after the edits).

    A demo mistake without such a twin is an error: add it to the corpus with the tasks it must cost.
    """
    bugs = [Case(m.name, (m,), m.lost) for m in CORPORA[assignment].BUGS]
    mistakes = load_mistakes(current_course().source / assignment / MISTAKES_FOLDER)
    by_files = {} if not mistakes else {
        json.dumps(_edited_files(assignment, case.edits, workdir / f"bug{i}"), sort_keys=True): case.name
        for i, case in enumerate(bugs)}
    twins: dict[str, str] = {}
    for index, mistake in enumerate(mistakes):
        edits = [Mutation(mistake.student, *edit) for edit in mistake.edits]
        twin = by_files.get(json.dumps(_edited_files(assignment, edits, workdir / f"demo{index}"), sort_keys=True))
        if twin is None:
            raise LookupError(f"demo mistake {assignment}/{mistake.student} equals no bug of "
                             f"tests/test_corpus_{assignment}.py: add it there with the tasks it must cost")
        twins[mistake.student] = twin
    return bugs, twins


def alternative_cases(assignment: str) -> list[Case]:
    return [Case(m.name, (m,)) for m in CORPORA[assignment].ALTERNATIVES]


@dataclass
class Row:
    """One submission's measured rates over its ids, with a few failing ids and why."""

    kind: str  # "reference", "bug" or "alternative"
    name: str
    ids: int
    expected: list[str]
    passing: int  # ids with the expected verdict (full marks; for a bug: every named task lost, no other)
    caught: int | None = None  # bugs: ids for which every named task lost points
    examples: list[str] = field(default_factory=list)
    also: list[str] = field(default_factory=list)  # demo mistakes measured through this bug


def _row(kind: str, case: Case, run: Run) -> Row:
    row = Row(kind, case.name, len(run.outcomes), sorted(case.lost), 0, 0 if kind == "bug" else None)
    for sid, outcome in run.outcomes.items():
        lost = outcome.lost_tasks | ({"(internal error)"} if outcome.errors else set())
        if row.caught is not None and case.lost <= lost:
            row.caught += 1
        if lost == case.lost:
            row.passing += 1
        elif len(row.examples) < EXAMPLES:
            why = [f"{r.nodeid}: {r.message[:200]}" for r in outcome.failed if r.task not in case.lost]
            why = "; ".join((why + [f"internal error {e[:200]}" for e in outcome.errors])[:2])
            row.examples.append(f"{sid}: lost {sorted(lost)}" + (f" ({why})" if why else ""))
    return row


def measure(assignment: str, reference_ids: int, bug_ids: int, alternative_ids: int, workdir: Path,
            first_id: int = 0) -> list[Row]:
    """Every row of ``assignment``'s table (sizes 0 leave that part out), from id number ``first_id`` on."""
    rows: list[Row] = []
    if reference_ids:
        (run,) = sweep(assignment, [Run(LocalWorker(), student_ids(reference_ids, first_id))], TEST_SECRET)
        rows.append(_row("reference", Case("reference", ()), run))
    parts = []
    if bug_ids:
        bugs, twins = bug_cases(assignment, workdir / "twins")
        parts.append(("bug", bugs, bug_ids))
    if alternative_ids:
        parts.append(("alternative", alternative_cases(assignment), alternative_ids))
    for kind, cases, count in parts:
        runs = [Run(staged_worker(assignment, case.write(assignment, workdir / f"{kind}{i}"), workdir / f"staged-{kind}{i}"),
                    student_ids(count, first_id)) for i, case in enumerate(cases)]
        sweep(assignment, runs, TEST_SECRET)
        rows += [_row(kind, case, run) for case, run in zip(cases, runs)]
    for row in rows:
        if row.kind == "bug":
            row.also = sorted(student for student, twin in twins.items() if twin == row.name)
    return rows


def _rate(count: int | None, total: int) -> str:
    """``count/total (percent)``: the count too, so 1999 of 2000 never reads as 100.0 %."""
    return "" if count is None else f"{count}/{total} ({100 * count / total:.1f} %)" if total else "-"


def table(title: str, rows: list[Row], seconds: float) -> Table:
    out = Table(title=f"{title}: CPU {seconds:.0f} s")
    for column in ("submission", "must lose", "ids", "expected verdict", "caught"):
        out.add_column(column, justify="left" if column in ("submission", "must lose") else "right")
    for row in rows:
        name = row.name + (f" (demo: {', '.join(row.also)})" if row.also else "")
        out.add_row(f"{row.kind}: {name}", ", ".join(row.expected) or "-", str(row.ids),
                    _rate(row.passing, row.ids), _rate(row.caught, row.ids))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignments", nargs="*", default=list(ASSIGNMENTS))
    parser.add_argument("--reference-ids", type=int, default=2000)
    parser.add_argument("--bug-ids", type=int, default=50)
    parser.add_argument("--alternative-ids", type=int, default=50)
    parser.add_argument("--first-id", type=int, default=0, help="number of the first id (extends an earlier run)")
    parser.add_argument("--json", type=Path, help="write the measured rows here")
    args = parser.parse_args(argv)
    console = Console(width=150)
    report = {"machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
              "load_average_at_start": os.getloadavg()[0], "assignments": {}}
    ok = True
    for assignment in args.assignments:
        report["assignments"][assignment] = parts = {}
        for kind, count in (("reference", args.reference_ids), ("bug", args.bug_ids),
                            ("alternative", args.alternative_ids)):
            if not count:
                continue
            start = time.process_time()
            with tempfile.TemporaryDirectory(prefix=f"invariance-{assignment}-") as workdir:
                sizes = {f"{k}_ids": count if k == kind else 0 for k in ("reference", "bug", "alternative")}
                rows = measure(assignment, workdir=Path(workdir), first_id=args.first_id, **sizes)
            seconds = time.process_time() - start
            console.print(table(f"{assignment}, {kind}", rows, seconds))
            for row in rows:
                for example in row.examples:
                    console.print(f"  {row.kind} {row.name}: {example}", markup=False, highlight=False)
            ok &= all(row.passing == row.ids for row in rows)
            parts[kind] = {"cpu_seconds": round(seconds, 1), "rows": [asdict(r) for r in rows]}
            if args.json:  # after each part, so a long run keeps what it measured
                args.json.write_text(json.dumps(report, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
