"""``python -m bench.grading``: wall time to grade each assignment's reference solution.

One warm-up grading fills the Cython build cache; then the median of ``--repeats``
gradings is reported with the worker calls made and the share spent building.
Target: a full ``conv_nets`` submission in at most 3 s on 2 cores, warm cache.
"""
from __future__ import annotations

import argparse
import statistics
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
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
