"""``python -m bench.small_conv``: why the small convolution misses its target on two cores.

The small case of :data:`bench.cases.CASES` is about a millisecond and a half of work.
The bare product it is compared with runs on OpenBLAS's threads, which stay hot: after
a product they keep polling for the next one, yielding the CPU, for about a tenth of a
second before they sleep (``OPENBLAS_THREAD_TIMEOUT``). The fast layer's helper thread
sleeps between calls and has to be woken for each one.

For the small convolution, forward and backward, this measures side by side, every
repeat measuring each situation once:

- the bare product and the fast layer on two threads and on one (BLAS, and with it the
  fast layer, limited to one thread): how well each uses the second core;
- the fast layer on two threads right after a threaded product (as ``python -m bench``
  times it, and as a training loop runs it between its affine layers) and after a pause
  in which every helper thread has gone to sleep;
- the CPU time BLAS's helper threads burn, waiting, in the ``SPIN_WINDOW`` seconds after
  one product.
"""
from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import psutil
from rich.console import Console
from rich.table import Table
from threadpoolctl import ThreadpoolController

from .cases import CASES, ConvCase, conv_functions
from .timing import interleaved_medians

SPIN_WINDOW = 0.5
"""Seconds after one product over which BLAS's helper threads' CPU time is counted."""
IDLE_PAUSE = 0.3
"""Seconds of sleep that let BLAS's helper threads stop polling (OpenBLAS's default: about 0.1 s)."""
SMALL = next(case for case in CASES if isinstance(case, ConvCase))
BLAS = ThreadpoolController().select(user_api="blas")


def other_threads_cpu() -> float:
    """CPU seconds used so far by this process's threads other than the calling one."""
    me = threading.get_native_id()
    return sum(t.user_time + t.system_time for t in psutil.Process().threads() if t.id != me)


def helper_cpu_after(product: Callable[[], object]) -> float:
    """CPU seconds the other threads burn in the ``SPIN_WINDOW`` after one call of ``product``, from idle."""
    time.sleep(IDLE_PAUSE)
    before = other_threads_cpu()
    product()
    time.sleep(SPIN_WINDOW)
    return other_threads_cpu() - before


def one_thread(fn: Callable[[], object]) -> Callable[[], object]:
    """``fn`` run with BLAS limited to one thread (the fast layer then uses one thread too)."""
    def limited() -> object:
        with BLAS.limit(limits=1):
            return fn()
    return limited


def measure(repeats: int, seed: int = 0) -> dict[str, Any]:
    """The small convolution's passes in every situation, and BLAS's helper threads' CPU after a product."""
    _, fns = conv_functions(SMALL, np.dtype(np.float64), np.random.default_rng(seed))
    rows = []
    for name in ("forward", "backward"):
        fast, product = fns[f"fast {name}"], fns[f"floor {name}"]
        times = interleaved_medians(
            {"product": product, "product_one_thread": one_thread(product), "fast": fast,
             "fast_one_thread": one_thread(fast), "fast_after_product": fast, "fast_after_pause": fast},
            repeats, before={"fast_after_product": product, "fast_after_pause": lambda: time.sleep(IDLE_PAUSE)})
        rows.append({"pass": name, **{f"{key}_ms": seconds * 1e3 for key, seconds in times.items()}})
    return {"case": SMALL.label, "helper_cpu_ms": helper_cpu_after(fns["floor forward"]) * 1e3,
            "spin_window_s": SPIN_WINDOW, "rows": rows}


def speed_up(row: dict[str, float], key: str) -> float:
    """How much faster ``key`` (``"product"`` or ``"fast"``) runs on two threads than on one."""
    return row[f"{key}_one_thread_ms"] / row[f"{key}_ms"]


def one_thread_ratio(row: dict[str, float]) -> float:
    """The fast layer's time over the product's, both on one thread."""
    return row["fast_one_thread_ms"] / row["product_one_thread_ms"]


def render(result: dict[str, Any]) -> Table:
    """The measurements as a table: milliseconds, then speed-ups and ratios to the two-thread product."""
    table = Table(title=f"{result['case']} float64: median wall ms",
                  caption=f"speed-up: one thread / two threads; (x): over the two-thread product. "
                          f"BLAS's helper threads burnt {result['helper_cpu_ms']:.0f} ms of CPU in the "
                          f"{result['spin_window_s']:g} s after one product, waiting for the next")
    headers = ("pass", "product", "1 thread", "speed-up", "fast", "1 thread", "speed-up",
               "fast after a product", "fast after a pause")
    for header in headers:
        table.add_column(header, justify="left" if header == "pass" else "right")
    for row in result["rows"]:
        product = row["product_ms"]
        def against_product(key: str) -> str:
            return f"{row[key]:.2f} ({row[key] / product:.2f}x)"

        table.add_row(row["pass"], f"{product:.2f}", f"{row['product_one_thread_ms']:.2f}",
                      f"{speed_up(row, 'product'):.2f}", against_product("fast_ms"),
                      f"{row['fast_one_thread_ms']:.2f}", f"{speed_up(row, 'fast'):.2f}",
                      against_product("fast_after_product_ms"), against_product("fast_after_pause_ms"))
    return table


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.small_conv", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed calls per figure (default 15)")
    args = parser.parse_args(argv)
    result = measure(args.repeats)
    Console(width=160).print(render(result))
    return result


if __name__ == "__main__":
    main()
