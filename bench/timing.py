"""Wall-clock timing with interleaved repeats."""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from statistics import median


def time_once(fn: Callable[[], object]) -> float:
    """Seconds taken by one call of ``fn``."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved_medians(fns: Mapping[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    """Median seconds per call of each function.

    Every round calls each function once, in turn, after one untimed warm-up
    round, so a slow spell of the machine hits all of them alike.
    """
    for fn in fns.values():
        fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            samples[name].append(time_once(fn))
    return {name: median(times) for name, times in samples.items()}
