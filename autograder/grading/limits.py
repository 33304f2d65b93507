"""Resource limits of the student worker."""
from __future__ import annotations

import resource
from dataclasses import dataclass

GIB = 1 << 30


@dataclass(frozen=True)
class Limits:
    """What one submission's worker may use.

    ``libraries`` are the only top-level packages (besides the standard library
    and the submission itself) that student code can import.
    """

    call_seconds: float = 20.0
    submission_seconds: float = 300.0
    build_seconds: float = 120.0
    memory_bytes: int = 4 * GIB
    file_bytes: int = 256 << 20
    message_bytes: int = 512 << 20
    libraries: tuple[str, ...] = ("numpy",)


def apply_limits(limits: Limits) -> None:
    """Set the kernel's limits on the calling process (run in the child before exec)."""
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
