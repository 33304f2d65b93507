"""``python -m bench.grading``: wall time to grade each assignment's reference solution.

One warm-up grading fills the Cython build cache; then the median of ``--repeats``
gradings is reported with the worker calls made and the share spent building.
Target: a full ``conv_nets`` submission in at most 3 s on 2 cores, warm cache.

Then ``autograder grade conv_nets`` as a student's grading runs it, a fresh process
each time, and how its wall time splits: start-up (interpreter, imports, parser),
build (cached), checks (staging, worker, hidden suite) and the rest (results file,
summary table, exit). Target: at most 1.5 s.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from autograder.grading.runner import GradingOptions, grade_submission
from autograder.grading.seeds import Secret
from autograder.paths import ASSIGNMENTS
from autograder.release.solution import write_solution

TARGET_SECONDS = {"conv_nets": 3.0}
COMMAND_ASSIGNMENT = "conv_nets"
COMMAND_TARGET_SECONDS = 1.5
STARTUP_PROBE = "from autograder.cli import build_parser; build_parser(['grade'])"
SECRET = Secret(b"benchmark secret", "bench")


def time_assignment(assignment: str, repeats: int) -> dict[str, float]:
    """Median wall seconds, worker calls and build seconds for grading the reference."""
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        submission = Path(tmp) / assignment
        write_solution(assignment, submission)
        options = GradingOptions(secret=SECRET)
        grade_submission(assignment, submission, "bench", options)
        walls, calls, builds = [], [], []
        for _ in range(repeats):
            started = time.perf_counter()
            graded = grade_submission(assignment, submission, "bench", options)
            walls.append(time.perf_counter() - started)
            calls.append(graded.results.extra_data["worker"]["calls"])
            build = graded.results.extra_data["build"]
            builds.append(build["seconds"] if build else 0.0)
            if graded.results.score != graded.results.max_score:
                raise RuntimeError(f"the reference scored {graded.results.score} on {assignment}")
    return {"seconds": statistics.median(walls), "calls": statistics.median(calls), "build": statistics.median(builds)}


def _wall(command: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one run of ``command``, which must succeed."""
    started = time.perf_counter()
    subprocess.run(command, env=env, capture_output=True, check=True)
    return time.perf_counter() - started


def time_command(assignment: str, repeats: int) -> dict[str, float]:
    """Median wall seconds of ``python -m autograder grade`` on the reference (warm cache), and its split."""
    with tempfile.TemporaryDirectory(prefix="bench-grade-command-") as tmp:
        submission, results = Path(tmp) / assignment, Path(tmp) / "results.json"
        write_solution(assignment, submission)
        env = {**os.environ, "AUTOGRADER_SECRET": SECRET.value.decode()}
        command = [sys.executable, "-m", "autograder", "grade", assignment, str(submission), "--results", str(results)]
        _wall(command, env)  # fills the build cache
        runs = []
        for _ in range(repeats):
            startup, wall = _wall([sys.executable, "-c", STARTUP_PROBE], env), _wall(command, env)
            graded = json.loads(results.read_text())
            build = (graded["extra_data"].get("build") or {}).get("seconds", 0.0)
            runs.append({"wall": wall, "startup": startup, "build": build, "checks": graded["execution_time"] - build,
                         "rest": wall - startup - graded["execution_time"]})
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def command_table(assignment: str, repeats: int) -> Table:
    """The split of one ``autograder grade`` command, as a table."""
    row = time_command(assignment, repeats)
    table = Table(title=f"`autograder grade {assignment}` (reference, warm cache): median of {repeats}, "
                        f"target <= {COMMAND_TARGET_SECONDS} s; load average {os.getloadavg()[0]:.1f}")
    for column in ("wall s", "start-up s", "build (cached) s", "checks s", "results, table, exit s"):
        table.add_column(column, justify="right")
    table.add_row(*(f"{row[key]:.2f}" for key in ("wall", "startup", "build", "checks", "rest")))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.grading", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    table = Table(title=f"grading the reference solution: median of {args.repeats} (warm build cache)")
    for column in ("assignment", "wall s", "worker calls", "build/cache s", "target s", "wall/target"):
        table.add_column(column, justify="right")
    for assignment in ASSIGNMENTS:
        row = time_assignment(assignment, args.repeats)
        target = TARGET_SECONDS.get(assignment)
        table.add_row(assignment, f"{row['seconds']:.2f}", f"{row['calls']:.0f}", f"{row['build']:.2f}",
                      f"{target:.1f}" if target else "-", f"{row['seconds'] / target:.2f}" if target else "-")
    console = Console(width=120)
    console.print(table)
    console.print(command_table(COMMAND_ASSIGNMENT, args.repeats))


if __name__ == "__main__":
    main()
