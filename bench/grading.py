"""``python -m bench.grading``: wall time of ``autograder grade`` on each assignment's reference solution.

Runs the command as a teacher would (a fresh interpreter, ``--results``,
``--junit`` and ``--feedback``), once to fill the Cython build cache, then
``--repeats`` times; reports the median wall time and its split:

- start-up: the median wall time of an interpreter building the ``grade`` parser (imports included);
- build: the build step (a cache hit here), from ``extra_data.build.seconds``;
- checks: the rest of the grading (worker start, hidden checks), ``execution_time`` minus build;
- reports and exit: what is left (writing the results, JUnit and feedback files, the summary).

The CPU seconds of the ``grade`` process itself (not the sandboxed worker) are shown
too: on a busy machine they tell what a quiet one would take better than wall time.

Target: a warm ``conv_nets`` submission in at most 1.5 s.
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

from autograder.course import current_course
from autograder.release.solution import write_solution
from .timing import cpu_seconds

TARGET_SECONDS = {"conv_nets": 1.5}
# A grading machine keeps the grader's compiled bytecode: the warm-up run writes it even where the
# development environment turns that off.
ENVIRONMENT = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
               "AUTOGRADER_SECRET": "benchmark secret"}
STARTUP_PROBE = "from autograder.cli import build_parser; build_parser(['grade'])"


def run(command: list[str]) -> tuple[float, float]:
    """Wall seconds taken by ``command``, which must succeed, and the CPU seconds of its process
    (not of the sandboxed worker, whose PID namespace hides it)."""
    cpu, started = cpu_seconds(children_only=True), time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENVIRONMENT)
    return time.perf_counter() - started, cpu_seconds(children_only=True) - cpu


def wall(command: list[str]) -> float:
    """Seconds taken by ``command``, which must succeed."""
    return run(command)[0]


def time_assignment(assignment: str, repeats: int, startup: float) -> dict[str, float]:
    """Median wall seconds of ``grade`` on the reference, its split, and the worker requests and student calls made."""
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        folder = Path(tmp)
        write_solution(assignment, folder / assignment)
        results = folder / "results.json"
        command = [sys.executable, "-m", "autograder", "grade", assignment, str(folder / assignment),
                   "--results", str(results), "--junit", str(folder / "junit.xml"),
                   "--feedback", str(folder / "feedback.html")]
        wall(command)
        runs = []
        for _ in range(repeats):
            seconds, cpu = run(command)
            graded = json.loads(results.read_text())
            if graded["score"] != graded["max_score"]:
                raise RuntimeError(f"the reference scored {graded['score']} on {assignment}")
            build = (graded["extra_data"].get("build") or {}).get("seconds", 0.0)
            runs.append({"wall": seconds, "cpu": cpu, "build": build, "checks": graded["execution_time"] - build,
                         "requests": graded["extra_data"]["worker"]["requests"],
                         "calls": graded["extra_data"]["worker"]["calls"]})
    row = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    row["startup"] = startup
    row["reports"] = max(0.0, row["wall"] - startup - row["build"] - row["checks"])
    return row


def measure(repeats: int) -> dict[str, dict[str, float]]:
    """Every assignment's row."""
    startup = statistics.median(wall([sys.executable, "-c", STARTUP_PROBE]) for _ in range(repeats))
    return {assignment: time_assignment(assignment, repeats, startup) for assignment in current_course().assignments()}


def render(rows: dict[str, dict[str, float]], repeats: int) -> Table:
    table = Table(title=f"autograder grade of the reference solution: median of {repeats} (warm build cache)")
    for column in ("assignment", "wall s", "start-up", "build", "checks", "reports, exit", "grader CPU s",
                   "worker requests", "student calls", "target s"):
        table.add_column(column, justify="right")
    for assignment, row in rows.items():
        target = TARGET_SECONDS.get(assignment)
        table.add_row(assignment, *(f"{row[key]:.2f}" for key in ("wall", "startup", "build", "checks", "reports", "cpu")),
                      f"{row['requests']:.0f}", f"{row['calls']:.0f}", f"{target:.1f}" if target else "-")
    return table


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    parser = argparse.ArgumentParser(prog="python -m bench.grading", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    rows = measure(args.repeats)
    Console(width=130).print(render(rows, args.repeats))
    return rows


if __name__ == "__main__":
    main()
