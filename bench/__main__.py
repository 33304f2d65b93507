"""``python -m bench``: time naive vs fast layers vs GEMM floor vs PyTorch, print a table, save JSON."""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table
from threadpoolctl import threadpool_limits

from . import torch_ops
from .cases import CASES, COURSE, measure
from .timing import use_thread_cpu_time

TABLE_WIDTH = 160
RESULTS_DIR = Path(__file__).resolve().parent / "results"
COLUMNS = (
    ("naive", "naive_ms"), ("fast", "fast_ms"), ("im2col", "im2col_ms"),
    ("strides|reshape", "strides_or_reshape_ms"), ("GEMM", "floor_ms"), ("torch", "torch_ms"),
)
DTYPE_LABELS = {"float64": "f64", "float32": "f32"}
PASS_LABELS = {"forward": "fwd", "backward": "bwd"}


def _cell(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def render(rows: list[dict[str, Any]], clock: str = "wall") -> Table:
    """The results as a table: times in ms (by ``clock``), then the fast layer's ratios."""
    table = Table(title=f"{COURSE.package} fast layers: median {clock} ms of interleaved repeats (naive: one run)",
                  caption="GEMM: the bare matrix products at the heart of an im2col layer (forward: 1, backward: 2); "
                          "err: largest error of fast / largest |naive|")
    for header in ("case", "dtype", "pass", *(name for name, _ in COLUMNS), "fast/GEMM", "fast/torch", "err"):
        table.add_column(header, justify="left" if header in ("case", "dtype", "pass") else "right", no_wrap=True)
    for row in rows:
        table.add_row(
            row["case"], DTYPE_LABELS[row["dtype"]], PASS_LABELS[row["pass"]],
            *(_cell(row[key]) for _, key in COLUMNS),
            _cell(row["fast_over_floor"]), _cell(row["fast_over_torch"]), f"{row['error_vs_naive']:.0e}",
        )
    return table


def environment() -> dict[str, Any]:
    """What the numbers depend on."""
    return {"numpy": np.__version__, "torch": torch_ops.version(), "python": platform.python_version(),
            "machine": platform.machine(), "cpus": os.cpu_count(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None}


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--repeats", type=int, default=11, help="interleaved timed rounds per case (default 11)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--match", default="", help="only the cases whose label contains this text (e.g. conv)")
    parser.add_argument("--cold", action="store_true",
                        help="time each call right after the other functions' calls, without a warm-up call of its own")
    parser.add_argument("--single-thread", action="store_true",
                        help="limit BLAS and PyTorch to one thread: compares the algorithms on a busy machine")
    parser.add_argument("--cpu-time", action="store_true",
                        help="with --single-thread: time the thread's CPU time, not the wall clock (for a shared machine)")
    parser.add_argument("--dtype", choices=("float64", "float32"), action="append",
                        help="only this dtype (repeatable; default both)")
    parser.add_argument("--out", type=Path, default=None, help="JSON file (default bench/results/<time>.json)")
    args = parser.parse_args(argv)
    if args.cpu_time and not args.single_thread:
        parser.error("--cpu-time needs --single-thread: other threads' work would not be counted")

    if args.single_thread:
        threadpool_limits(1)
        torch_ops.limit_threads(1)
    if args.cpu_time:
        use_thread_cpu_time()
    rng = np.random.default_rng(args.seed)
    console = Console(width=max(shutil.get_terminal_size().columns, TABLE_WIDTH))
    rows = []
    for dtype in args.dtype or ("float64", "float32"):
        for case in (case for case in CASES if args.match in case.label):
            console.print(f"[dim]measuring {case.label} {np.dtype(dtype).name}[/dim]")
            rows += measure(case, dtype, args.repeats, rng, warm=not args.cold)
    console.print(render(rows, "thread CPU" if args.cpu_time else "wall"))
    out = args.out or RESULTS_DIR / time.strftime("bench-%Y%m%d-%H%M%S.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"environment": environment(), "repeats": args.repeats,
                               "single_thread": args.single_thread, "cpu_time": args.cpu_time, "warm": not args.cold, "rows": rows}, indent=2))
    console.print(f"written {out}")
    return rows


if __name__ == "__main__":
    main()
