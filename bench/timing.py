"""Timing with interleaved repeats, by the wall clock or by the calling thread's CPU time."""
from __future__ import annotations

import resource
import time
from collections.abc import Callable, Mapping
from statistics import median

_clock: Callable[[], float] = time.perf_counter


def use_thread_cpu_time() -> None:
    """Time the calling thread's CPU time from now on instead of the wall clock.

    Only meaningful when everything timed runs in the calling thread (``--single-thread``);
    then the time other processes of a shared machine take from it is not counted.
    """
    global _clock
    _clock = time.thread_time


def time_once(fn: Callable[[], object]) -> float:
    """Seconds taken by one call of ``fn``."""
    start = _clock()
    fn()
    return _clock() - start


def interleaved_medians(fns: Mapping[str, Callable[[], object]], repeats: int, warm: bool = True,
                        before: Mapping[str, Callable[[], object]] | None = None) -> dict[str, float]:
    """Median seconds per call of each function.

    Every round calls each function in turn, so a slow spell of the machine hits
    all of them alike. With ``warm``, each timed call directly follows an untimed
    call of the same function: every function then finds its threads awake and
    its data in cache, instead of paying for what the previous function left.
    ``before[name]``, when given, is called (untimed) ahead of those calls of ``fns[name]``.
    """
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            if before and name in before:
                before[name]()
            if warm:
                fn()
            samples[name].append(time_once(fn))
    return {name: median(times) for name, times in samples.items()}


def cpu_seconds(children_only: bool = False) -> float:
    """CPU seconds used so far by this process's finished children (and theirs) and, unless
    ``children_only``, by this process. Processes in a PID namespace of their own (the sandboxed
    builds and workers) don't count: their time does not come back here."""
    who = (resource.RUSAGE_CHILDREN,) if children_only else (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    return sum(usage.ru_utime + usage.ru_stime for usage in map(resource.getrusage, who))
