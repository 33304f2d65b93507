"""``python -m bench.build``: how long the grader takes to build a student's ``.pyx``.

Builds the reference ``conv_nets`` extension the way the grader does (checked, in
the build sandbox, from our build description) into a fresh cache, each time with
a comment of its own so that every build is a cache miss, as in a real class:

- *cold cache*: the first build, which also builds Cython's shared utility module;
- *cold build*: the median of the next ``--repeats`` builds (shared utility cached),
  the cost per student (target: at most 3 s wall);
- *cache hit*: the same sources again.

Wall seconds are measured in the build sandbox; CPU seconds on the same builds run
without it (the sandbox hides its processes' CPU time): on a busy machine the CPU
figure is about what a quiet one would take.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from autograder.course import current_course
from autograder.grading.build import MODULE_FLAGS, BuildOutcome, build_extensions
from autograder.grading.limits import Limits
from autograder.release.solution import write_solution
from .timing import cpu_seconds

TARGET_SECONDS = 3.0
ASSIGNMENT = "conv_nets"


def timed(build: Callable[[], BuildOutcome]) -> dict[str, float]:
    """Wall and children's CPU seconds of one build, which must succeed."""
    cpu, started = cpu_seconds(children_only=True), time.perf_counter()
    outcome = build()
    wall = time.perf_counter() - started
    if not outcome.ok:
        raise RuntimeError(f"the reference extension did not build:\n{outcome.log}")
    return {"wall": wall, "cpu": cpu_seconds(children_only=True) - cpu, "isolation": outcome.isolation}


def measure_at(level: str, repeats: int) -> dict[str, dict[str, float]]:
    """Cold cache, cold builds and a cache hit of the reference ``.pyx``, at one isolation level."""
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        root = Path(tmp)
        write_solution(ASSIGNMENT, root / "solution")
        cache = root / "cache"

        def build(label: str) -> BuildOutcome:
            sandbox, work = root / f"sandbox-{label}", root / f"work-{label}"
            if not sandbox.exists():
                shutil.copytree(root / "solution", sandbox)
                for pyx in sandbox.rglob("*.pyx"):
                    pyx.write_text(pyx.read_text() + f"\n# build {label}\n")
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir()
            return build_extensions(sandbox, work, Limits(isolation=level), cache, package=current_course().package)

        first = timed(lambda: build("first"))
        cold = [timed(lambda index=index: build(str(index))) for index in range(repeats)]
        hit = timed(lambda: build("first"))
    median = {key: statistics.median(row[key] for row in cold) for key in ("wall", "cpu")}
    return {"cold cache (+ shared utility)": first, f"cold build (median of {repeats})": median, "cache hit": hit}


def measure(repeats: int) -> dict[str, object]:
    """Wall seconds in the build sandbox; CPU seconds of the same builds run directly (the
    sandbox's PID namespace hides its processes' CPU time from this one)."""
    confined = measure_at("bwrap", repeats)
    direct = measure_at("rlimits", repeats)
    return {"rows": {label: {"wall": confined[label]["wall"], "cpu": direct[label]["cpu"]} for label in confined},
            "isolation": confined["cold cache (+ shared utility)"]["isolation"]}


def render(measured: dict[str, object]) -> Table:
    """Wall and CPU seconds per kind of build."""
    table = Table(title=f"building the reference {ASSIGNMENT} .pyx ({MODULE_FLAGS[0]}, shared utility module; "
                        f"target {TARGET_SECONDS:g} s cold)")
    for column in ("build", f"wall s ({measured['isolation']})", "CPU s (direct)"):
        table.add_column(column, justify="left" if column == "build" else "right")
    for label, row in measured["rows"].items():
        table.add_row(label, f"{row['wall']:.2f}", f"{row['cpu']:.2f}")
    return table


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(prog="python -m bench.build", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="cold builds after the first (default 3)")
    args = parser.parse_args(argv)
    rows = measure(args.repeats)
    Console(width=120).print(render(rows))
    return rows


if __name__ == "__main__":
    main()
