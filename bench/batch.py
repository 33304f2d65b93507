"""``python -m bench.batch``: class-scale grading throughput.

Models a real class: ``--students`` submissions cycling through the reference
solution, the demo's realistic mistakes, untouched stubs and (for conv_nets) buggy
``.pyx`` variants: one that ignores the padding, one that overwrites instead of
accumulating, one that does not compile. In a real class every student's ``.pyx``
differs (a comment is enough), so by default each gets a line of its own and every
build is a cache miss; ``--shared-pyx`` keeps the copies byte-identical instead
(builds become cache hits), for comparison. The class is batch-graded on
``--workers`` local processes with a fresh Cython build cache (the shared utility
module is built during the run too), and the table reports submissions per minute
(target for conv_nets with unique ``.pyx``: at least 40 on 2 workers), how the
time splits between process start-up and scheduling, Cython builds and the
hidden checks, the CPU seconds per submission of the grading processes (the
sandboxed builds and workers not counted) and the largest unique memory of any one
process of the batch, sandboxed ones included (sampled every 0.1 s).
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path

import psutil
from rich.console import Console
from rich.table import Table

from autograder.batch.run import BatchOptions, run_batch
from autograder.demo import build_class
from autograder.grading.runner import GradingOptions
from autograder.grading.seeds import Secret
from autograder.course import current_course
from autograder.paths import CourseLayout
from .timing import cpu_seconds

TARGET_PER_MINUTE = {"conv_nets": 40.0}
SECRET = Secret(b"benchmark secret", "bench")
PYX_MODULE = "im2col_cython.pyx"  # the Cython module the buggy variants edit
#: Buggy versions of the reference ``.pyx``: (template name, text in the reference, replacement).
PYX_MISTAKES = (
    ("pyx_padding_ignored", "dst[k] = src[k + j - padding]", "dst[k] = src[k + j]"),
    ("pyx_overwrites", "dst[k + j - padding] += src[k]", "dst[k + j - padding] = src[k]"),
    ("pyx_syntax_error", "row = (c * field_height + i) * field_width + j\n", "row = (c * field_height + i) *\n"),
)


def write_templates(assignment: str, templates: Path) -> list[str]:
    """The demo class plus, where the assignment has a ``.pyx`` task, its buggy variants; the template names."""
    names = build_class(assignment, templates)
    reference = templates / names[0] / assignment
    pyx = Path(current_course().package, PYX_MODULE)
    if not (reference / pyx).is_file():
        return names
    for name, old, new in PYX_MISTAKES:
        folder = templates / name / assignment
        shutil.copytree(reference, folder)
        text = (folder / pyx).read_text()
        if old not in text:
            raise RuntimeError(f"the .pyx mistake {name!r} no longer matches the reference")
        (folder / pyx).write_text(text.replace(old, new, 1))
        names.append(name)
    return names


def generate_class(course: CourseLayout, assignment: str, students: int, unique_pyx: bool) -> None:
    """``students`` submissions cycling through the templates; with ``unique_pyx`` each ``.pyx`` gets its own line."""
    templates = course.root / "templates"
    names = write_templates(assignment, templates)
    for index in range(students):
        student = f"s{index:03d}_{names[index % len(names)]}"
        folder = course.submitted / student / assignment
        shutil.copytree(templates / names[index % len(names)] / assignment, folder)
        if unique_pyx:
            for pyx in folder.rglob("*.pyx"):
                pyx.write_text(pyx.read_text() + f"\n# submitted by {student}\n")


class PeakMemory:
    """The largest unique memory (USS) of any process below this one (grading processes, sandboxed workers
    and builds), sampled every ``interval`` seconds while the context is open. Unique, not resident: the
    grading processes are forked from this one and share its pages, which are not theirs to count."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval, self.peak_bytes = interval, 0
        self._done = threading.Event()
        self._sampler = threading.Thread(target=self._sample, name="peak-memory", daemon=True)

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._done.wait(self.interval):
            for process in me.children(recursive=True):
                try:
                    self.peak_bytes = max(self.peak_bytes, process.memory_full_info().uss)
                except psutil.Error:  # gone, or not ours to read
                    continue

    def __enter__(self) -> "PeakMemory":
        self._sampler.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._sampler.join()


def measure(assignment: str, students: int, workers: int, unique_pyx: bool = True) -> dict[str, float]:
    """Grade a generated class once; wall time, its split and the largest process's memory."""
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        course = CourseLayout(Path(tmp))
        generate_class(course, assignment, students, unique_pyx)
        options = BatchOptions(GradingOptions(secret=SECRET, build_cache=Path(tmp) / "build-cache"), workers=workers)
        started, cpu = time.perf_counter(), cpu_seconds()
        with PeakMemory() as memory:
            rows = run_batch(assignment, course, options)
        wall, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    graded = [row.results for row in rows if row.results]
    if len(graded) != students:
        raise RuntimeError(f"{students - len(graded)} submissions were not graded")
    grading = sum(r.execution_time for r in graded)
    builds = [r.extra_data.get("build") or {} for r in graded]
    build = sum(b.get("seconds", 0.0) for b in builds)
    return {
        "assignment": assignment, "unique_pyx": unique_pyx, "students": students, "workers": workers,
        "wall": wall, "per_minute": 60 * students / wall, "compiled": sum(1 for b in builds if b and not b["cached"]),
        "startup": max(0.0, wall * workers - grading), "build": build, "checks": grading - build,
        "peak_mib": memory.peak_bytes / 2**20,
        "cpu_per_submission": cpu / students,
    }


def classes(assignments: list[str], shared_too: bool) -> list[tuple[str, bool]]:
    """The (assignment, unique ``.pyx``) pairs to measure: unique first, the shared-``.pyx`` conv_nets class last."""
    runs = [(assignment, True) for assignment in assignments]
    if shared_too and "conv_nets" in assignments:
        runs.append(("conv_nets", False))
    return runs


def render(rows: list[dict[str, float]]) -> Table:
    """One column per measured class."""
    table = Table(title=f"batch grading, {rows[0]['workers']} local workers, cold build cache")
    table.add_column("measure")
    for row in rows:
        table.add_column(f"{row['assignment']}\n{'unique' if row['unique_pyx'] else 'shared'} .pyx", justify="right")

    def line(label: str, cell) -> None:
        table.add_row(label, *(cell(row) for row in rows))

    line("submissions", lambda row: f"{row['students']}")
    line("builds compiled (not cached)", lambda row: f"{row['compiled']}")
    line("wall seconds", lambda row: f"{row['wall']:.1f}")
    line("submissions per minute", lambda row: f"{row['per_minute']:.1f}")
    line("target per minute", lambda row: f"{TARGET_PER_MINUTE.get(row['assignment'], 0):.0f}"
         if row["unique_pyx"] and row["assignment"] in TARGET_PER_MINUTE else "-")
    busy = {id(row): row["startup"] + row["build"] + row["checks"] for row in rows}
    for label, key in (("start-up, scheduling, writing", "startup"), ("Cython builds", "build"), ("hidden checks", "checks")):
        line(f"{label} (worker-s)", lambda row, key=key: f"{row[key]:.1f} ({100 * row[key] / busy[id(row)]:.0f}%)")
    line("CPU s per submission, grading processes only", lambda row: f"{row['cpu_per_submission']:.2f}")
    line("largest process, unique memory (MiB)", lambda row: f"{row['peak_mib']:.0f}")
    return table


def main(argv: list[str] | None = None) -> list[dict[str, float]]:
    parser = argparse.ArgumentParser(prog="python -m bench.batch", description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--assignment", action="append",
                        help="repeatable; default: every assignment")
    parser.add_argument("--no-shared-pyx", action="store_true",
                        help="skip the comparison class whose .pyx files are byte-identical")
    args = parser.parse_args(argv)
    rows = [measure(assignment, args.students, args.workers, unique)
            for assignment, unique in classes(args.assignment or current_course().assignments(), not args.no_shared_pyx)]
    Console(width=150).print(render(rows))
    return rows


if __name__ == "__main__":
    main()
