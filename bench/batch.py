"""``python -m bench.batch``: class-scale grading throughput.

Generates ``--students`` conv_nets submissions (reference solutions, the demo's
realistic mistakes and untouched stubs, in rotation), batch-grades them on
``--workers`` local processes with a fresh Cython build cache, and reports
submissions per minute (target: at least 60 on 2 workers), how the time splits
between process start-up and scheduling, Cython builds and the hidden checks, and
the peak memory of the largest child process.
"""
from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from autograder.batch.run import BatchOptions, run_batch
from autograder.demo import build_class
from autograder.grading.runner import GradingOptions
from autograder.grading.seeds import Secret
from autograder.paths import CourseLayout

ASSIGNMENT = "conv_nets"
TARGET_PER_MINUTE = 60.0
SECRET = Secret(b"benchmark secret", "bench")


def generate_class(course: CourseLayout, students: int) -> None:
    """``students`` submissions cycling through the demo class (reference, stubs, buggy ones)."""
    templates = course.root / "templates"
    names = build_class(ASSIGNMENT, templates)
    for index in range(students):
        template = names[index % len(names)]
        shutil.copytree(templates / template / ASSIGNMENT, course.submitted / f"s{index:03d}_{template}" / ASSIGNMENT)


def measure(students: int, workers: int) -> dict[str, float]:
    """Grade a generated class once; wall time, its split and peak child memory."""
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        course = CourseLayout(Path(tmp))
        generate_class(course, students)
        options = BatchOptions(GradingOptions(secret=SECRET, build_cache=Path(tmp) / "build-cache"), workers=workers)
        started = time.perf_counter()
        rows = run_batch(ASSIGNMENT, course, options)
        wall = time.perf_counter() - started
    graded = [row.results for row in rows if row.results]
    if len(graded) != students:
        raise RuntimeError(f"{students - len(graded)} submissions were not graded")
    grading = sum(r.execution_time for r in graded)
    build = sum((r.extra_data.get("build") or {}).get("seconds", 0.0) for r in graded)
    return {
        "students": students, "workers": workers, "wall": wall, "per_minute": 60 * students / wall,
        "startup": max(0.0, wall * workers - grading), "build": build, "checks": grading - build,
        "peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.batch", description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    row = measure(args.students, args.workers)
    busy = row["startup"] + row["build"] + row["checks"]
    table = Table(title=f"{ASSIGNMENT}: {row['students']} submissions on {row['workers']} local workers (cold build cache)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("wall seconds", f"{row['wall']:.1f}")
    table.add_row("submissions per minute", f"{row['per_minute']:.0f} (target >= {TARGET_PER_MINUTE:.0f})")
    for label, key in (("start-up, scheduling, writing", "startup"), ("Cython builds", "build"), ("hidden checks", "checks")):
        table.add_row(f"{label} (worker-seconds)", f"{row[key]:.1f} ({100 * row[key] / busy:.0f}%)")
    table.add_row("peak RSS of the largest child (MiB)", f"{row['peak_mib']:.0f}")
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
