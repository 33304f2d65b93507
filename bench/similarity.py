"""``python -m bench.similarity``: seconds to compare a generated class (target: 700 in under a minute).

Every generated student starts from the reference solution of ``--assignment`` and
makes it their own the way classes do: renamed identifiers, reformatting, reordered
functions and a few statements of their own in every function (their own numbers,
so each student has code nobody else has). One student in twenty hands in a
disguised copy of a classmate. The run is timed end to end on ``--workers`` local
processes (reading, extraction, fingerprints, index, scoring), not the generation;
the table also says how many planted copies were flagged.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from autograder.manifest import load_manifest
from autograder.paths import CourseLayout
from autograder.release.solution import write_solution
from autograder.similarity import variants
from autograder.similarity.run import Options, run_similarity
from .timing import cpu_seconds

TARGET_SECONDS = 60.0
COPY_EVERY = 20
NAMES = ("out", "cache", "dout", "dx", "dw", "db", "x_hat", "mask", "loss", "grads", "mean", "var", "scores", "N")


def personalise(text: str, seed: int) -> str:
    """One student's version of a module: their own statements, names, layout and order."""
    rng = random.Random(seed)
    text = variants.insert_dead_code(text, seed, every=rng.randint(2, 4), numbers=10**6)
    text = variants.rename(text, {name: f"{name}_{rng.randrange(100)}" for name in rng.sample(NAMES, 5)})
    return variants.reorder(text, seed) if rng.random() < 0.5 else text


def generate_class(assignment: str, course: CourseLayout, students: int) -> list[tuple[str, str]]:
    """Write the class; return the planted (original, copy) pairs."""
    reference = write_solution(assignment, course.root / "reference") and course.root / "reference"
    manifest = load_manifest(assignment)
    modules = [f"{manifest.package}/{m}" for m in manifest.task_functions() if m.endswith(".py")]
    planted = []
    for index in range(students):
        name = f"s{index:03d}"
        folder = course.submitted / name / assignment
        if index % COPY_EVERY == COPY_EVERY - 1:
            original = f"s{index - 1 - index // COPY_EVERY % (COPY_EVERY - 1):03d}"
            shutil.copytree(course.submitted / original / assignment, folder)
            for module in modules:
                (folder / module).write_text(variants.reformat((folder / module).read_text()))
            planted.append((original, name))
            continue
        shutil.copytree(reference, folder)
        for module in modules:
            (folder / module).write_text(personalise((folder / module).read_text(), index))
    return planted


def measure(assignment: str, students: int, workers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-similarity-") as tmp:
        course = CourseLayout(Path(tmp))
        planted = generate_class(assignment, course, students)
        started, cpu = time.perf_counter(), cpu_seconds()
        report = run_similarity(assignment, course, Options(workers=workers))
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    flagged = {(p.first.name, p.second.name) for p in report.flagged}
    found = sum(pair in flagged for pair in planted)
    return {"students": students, "tasks": len(report.best), "seconds": seconds, "cpu": cpu, "pairs": len(report.pairs),
            "flagged": len(flagged), "planted": len(planted), "found": found}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.similarity", description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="fc_nets")
    parser.add_argument("--students", type=int, default=700)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    row = measure(args.assignment, args.students, args.workers)
    table = Table(title=f"similarity of {args.assignment}: {row['students']} generated students, "
                        f"{row['tasks']} tasks, {args.workers} local workers")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("seconds", f"{row['seconds']:.1f} (target < {TARGET_SECONDS:.0f})")
    table.add_row("CPU seconds (all processes)", f"{row['cpu']:.1f}")
    table.add_row("load average at the end (1 min)", f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    table.add_row("pairs scored", str(row["pairs"]))
    table.add_row("student pairs flagged (any task)", str(row["flagged"]))
    table.add_row("planted copies flagged", f"{row['found']} / {row['planted']}")
    Console(width=120).print(table)


if __name__ == "__main__":
    main()
