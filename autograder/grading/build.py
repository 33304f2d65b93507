"""Building a submission's Cython extensions, with a time limit and a cache.

The build runs ``python -m numnet.build_ext`` in its own process inside the
sandbox (the same command students use). Builds are cached by the content hash of
the ``.pyx`` sources and the toolchain versions, so regrading or grading many
identical files compiles once.
"""
from __future__ import annotations

import hashlib
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from autograder.grading.limits import Limits, apply_limits

DEFAULT_CACHE = Path(os.environ.get("AUTOGRADER_CACHE", Path.home() / ".cache" / "numnet-autograder")) / "cython"
LOG_LIMIT = 6000


@dataclass(frozen=True)
class BuildOutcome:
    """Whether the extensions were built, and what the compiler said when they were not."""

    ok: bool
    cached: bool
    log: str = ""
    seconds: float = 0.0


def build_key(sources: list[Path], package: Path) -> str:
    """Hash of the sources and of everything else that changes the compiled result."""
    digest = hashlib.sha256()
    for name in ("Cython", "numpy", "setuptools"):
        digest.update(f"{name}={metadata.version(name)};".encode())
    digest.update(f"{sys.version};{platform.machine()};".encode())
    for source in sources:
        digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def _tail(text: str) -> str:
    return text if len(text) <= LOG_LIMIT else "...\n" + text[-LOG_LIMIT:]


def build_extensions(sandbox: Path, limits: Limits, cache: Path = DEFAULT_CACHE) -> BuildOutcome | None:
    """Compile ``sandbox/numnet/*.pyx`` in place; ``None`` when there is nothing to build."""
    import time

    package = sandbox / "numnet"
    sources = sorted(package.glob("*.pyx"))
    if not sources:
        return None
    started = time.monotonic()
    key = build_key(sources, package)
    entry = cache / key
    if entry.is_dir():
        for built in entry.iterdir():
            shutil.copy2(built, package / built.name)
        return BuildOutcome(True, True, seconds=time.monotonic() - started)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": str(sandbox)}
    with tempfile.TemporaryFile() as output:  # a file, not memory: RLIMIT_FSIZE caps what the build can print
        try:
            done = subprocess.Popen(
                [sys.executable, "-B", "-m", "numnet.build_ext", "--quiet"], cwd=sandbox, env=env,
                stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                preexec_fn=lambda: apply_limits(limits, limits.build_seconds), start_new_session=True,
            )
        except OSError as exc:
            return BuildOutcome(False, False, f"the build could not start ({exc.strerror})", time.monotonic() - started)
        try:
            done.wait(timeout=limits.build_seconds)
        except subprocess.TimeoutExpired:
            os.killpg(done.pid, signal.SIGKILL)  # the compiler processes too, not only the build script
            done.wait()
            return BuildOutcome(False, False, f"the build did not finish within {limits.build_seconds:g} s",
                                time.monotonic() - started)
        output.seek(max(0, output.tell() - 4 * LOG_LIMIT))
        log = output.read().decode(errors="replace").replace(str(sandbox) + os.sep, "")
    built = sorted(package.glob("*.so"))
    if done.returncode != 0 or not built:
        return BuildOutcome(False, False, _tail(log), time.monotonic() - started)
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=cache, prefix=".build-"))
    for path in built:
        shutil.copy2(path, staging / path.name)
    try:
        staging.rename(entry)
    except OSError:  # another grader stored the same build first
        shutil.rmtree(staging, ignore_errors=True)
    return BuildOutcome(True, False, seconds=time.monotonic() - started)
