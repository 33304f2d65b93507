"""Resource limits of the student worker and of the build process."""
from __future__ import annotations

import math
import resource
from dataclasses import dataclass

GIB = 1 << 30


@dataclass(frozen=True)
class Limits:
    """What one submission's worker may use.

    ``libraries`` are the only top-level packages (besides the standard library
    and the submission itself) that student code can import. ``file_bytes`` caps
    every file the worker writes, its captured stdout/stderr log included.
    ``processes`` caps the processes and threads of the unprivileged user (the kernel
    ignores it for root). ``isolation`` is the strongest level to try (see
    :mod:`autograder.grading.isolation`).
    """

    call_seconds: float = 20.0
    submission_seconds: float = 300.0
    build_seconds: float = 120.0
    memory_bytes: int = 4 * GIB
    file_bytes: int = 256 << 20
    message_bytes: int = 64 << 20  # honest replies are well under 1 MiB; this bounds what the grader holds
    processes: int = 64
    libraries: tuple[str, ...] = ("numpy",)
    isolation: str = "bwrap"


def apply_limits(limits: Limits, cpu_seconds: float | None = None) -> None:
    """Set the kernel's limits on the calling process (run in the child before exec).

    CPU time is limited to ``cpu_seconds`` (default: the submission's time budget):
    SIGXCPU at the limit, SIGKILL one second later.
    """
    cpu = math.ceil(limits.submission_seconds if cpu_seconds is None else cpu_seconds)
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
