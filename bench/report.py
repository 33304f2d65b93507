"""``python -m bench.report`` (``make bench``): every benchmark in one run, then the headline figures side by side.

Runs the fast-layer benchmark (:mod:`bench.__main__`) and its diagnosis of the small
convolution (:mod:`bench.small_conv`), the build benchmark (:mod:`bench.build`),
``autograder grade`` (:mod:`bench.grading`) and the class benchmark
(:mod:`bench.batch`), each printing its own table, then one summary table
of the figures issue 15 sets targets for, with the machine and its load (the
figures are wall times: on a busy machine they say more about the machine).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from . import batch, build, grading, small_conv
from .__main__ import RESULTS_DIR
from .__main__ import main as fast_layers


def machine() -> str:
    """CPU model, cores and load average."""
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or platform.machine())
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, load average {load}"


def worst(rows: list[dict[str, Any]], kind: str, key: str) -> str:
    """The largest ratio ``key`` over the float64 rows of the cases starting with ``kind``."""
    values = [row[key] for row in rows if row["case"].startswith(kind) and row["dtype"] == "float64"
              and row[key] is not None]
    return f"{max(values):.2f}" if values else "-"


def summary(layers: list[dict[str, Any]], small: dict[str, Any], builds: dict[str, Any],
            grades: dict[str, dict[str, float]], classes: list[dict[str, float]]) -> Table:
    """Headline figures with their targets."""
    table = Table(title=f"issue 15 figures on {machine()}")
    for column in ("figure", "measured", "target"):
        table.add_column(column, justify="left" if column == "figure" else "right")
    build_rows = builds["rows"]
    first, cold = build_rows["cold cache (+ shared utility)"], next(v for k, v in build_rows.items() if k.startswith("cold build"))
    table.add_row("cold build of a student's .pyx, wall s (CPU s)", f"{cold['wall']:.2f} ({cold['cpu']:.2f})",
                  f"<= {build.TARGET_SECONDS:g}")
    table.add_row("first build of a cache (+ shared utility), wall s (CPU s)", f"{first['wall']:.2f} ({first['cpu']:.2f})", "-")
    conv = grades["conv_nets"]
    table.add_row("grade conv_nets, warm, wall s", f"{conv['wall']:.2f}", f"<= {grading.TARGET_SECONDS['conv_nets']:g}")
    table.add_row("  start-up / build / checks / reports s",
                  " / ".join(f"{conv[key]:.2f}" for key in ("startup", "build", "checks", "reports")), "-")
    table.add_row("  grader CPU s; worker requests (student calls)",
                  f"{conv['cpu']:.2f}; {conv['requests']:.0f} ({conv['calls']:.0f})", "-")
    for row in classes:
        target = batch.TARGET_PER_MINUTE.get(row["assignment"]) if row["unique_pyx"] else None
        table.add_row(f"batch {row['assignment']}, {row['students']} students, "
                      f"{'unique' if row['unique_pyx'] else 'shared'} .pyx, per minute",
                      f"{row['per_minute']:.1f}", f">= {target:g}" if target else "-")
    table.add_row("conv fast / bare GEMM, worst float64 case", worst(layers, "conv", "fast_over_floor"), "<= 1.5")
    passes = small["rows"]
    table.add_row("  small conv, fwd / bwd: fast / GEMM on one thread",
                  " / ".join(f"{small_conv.one_thread_ratio(row):.2f}" for row in passes), "-")
    table.add_row("  small conv, fwd / bwd: speed-up on two threads, GEMM; fast",
                  "; ".join(" / ".join(f"{small_conv.speed_up(row, key):.2f}" for row in passes)
                            for key in ("product", "fast")), "-")
    table.add_row("max-pool fast / PyTorch, worst float64 case", worst(layers, "pool", "fast_over_torch"), "<= 1")
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50, help="class size (default 50)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats of the build and grade timings")
    args = parser.parse_args(argv)
    console = Console(width=150)
    layers = fast_layers([])
    small = small_conv.main([])
    builds = build.main(["--repeats", str(args.repeats)])
    grades = grading.main(["--repeats", str(args.repeats)])
    classes = batch.main(["--students", str(args.students)])
    console.print(summary(layers, small, builds, grades, classes))
    out = RESULTS_DIR / time.strftime("report-%Y%m%d-%H%M%S.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "small_conv": small, "build": builds, "grade": grades, "classes": classes}, indent=2))
    console.print(f"written {out}")


if __name__ == "__main__":
    main()
