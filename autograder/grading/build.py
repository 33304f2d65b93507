"""Building a submission's Cython extensions: checked, confined, from our own description, cached.

1. The package's ``.pyx``/``.pxd``/``.pxi`` files are checked against
   :mod:`autograder.grading.pyx_rules`; a refused line fails the build before
   anything runs.
2. The cache key hashes those files, the toolchain's versions, the build description
   and the in-sandbox build script; a cached build is copied in.
3. Otherwise a private copy of those files is staged in a fresh build folder and
   :mod:`autograder.untrusted.cython_build` (a private copy too) runs Cython and the C
   compiler there, inside the same isolation as the worker, as a user of its own,
   with the build's limits. It sees the toolchain and the build folder, nothing else.
4. The grader copies the expected extension files out (regular files only), into the
   cache and into the sandbox. The cache is written by the grader alone and is never
   visible inside a sandbox.

Modules are compiled against Cython's shared utility module (:func:`shared_utility`):
the support code every Cython module would otherwise carry (memoryviews, fused types;
half the C) is built once per toolchain, the same way, confined, and cached beside the
builds; it is copied into every sandbox next to the student's extensions. That and
``-O0`` make a cold build a couple of seconds (docs/performance.md).

Everything that decides the compiled result (module names, flags, include folders)
is :func:`description`; the build format number changes the key when it changes.
"""
from __future__ import annotations

import fcntl
import functools
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

from autograder import untrusted
from autograder.grading.client import library_dirs, library_folders, worker_isolation
from autograder.grading.isolation import Isolation, python_folders
from autograder.grading.limits import Limits, apply_limits
from autograder.grading.pyx_rules import check_package

DEFAULT_CACHE = Path(os.environ.get("AUTOGRADER_CACHE", Path.home() / ".cache" / "autograder")) / "cython"
BUILD_FORMAT = 2
SHARED_UTILITY_MODULE = "_cyutility"
STAGED_SUFFIXES = (".pyx", ".pxd", ".pxi")
COMPILER = "gcc"
_C_FLAGS = ("-shared", "-fPIC", "-g0", "-fwrapv", "-fno-strict-aliasing", "-DNDEBUG",
            "-DNPY_NO_DEPRECATED_API=NPY_1_7_API_VERSION")
# The grader's build runs only the hidden checks' small inputs, where the loops' speed is of no
# account: -O0 compiles in two thirds of -Og's time (docs/performance.md). The shared module is
# built once, optimised.
MODULE_FLAGS = ("-O0", *_C_FLAGS)
SHARED_FLAGS = ("-O2", *_C_FLAGS)
CYTHON_OPTIONS = {"language_level": 3}
TOOLCHAIN_LIBRARIES = ("Cython", "numpy")
BUILD_SCRIPT = Path(untrusted.__file__).with_name("cython_build.py")
LOG_LIMIT = 6000  # characters of a failed build's log the student sees
RAW_LOG_BYTES = 4 * LOG_LIMIT  # how much of the log's end is read before scrubbing shortens it
REFUSED_LINES_SHOWN = 20  # refused .pyx lines listed in a refusal
COMPILER_QUERY_SECONDS = 30
MAX_EXTENSION_BYTES = 64 << 20


class UnconfinedBuild(RuntimeError):
    """Student C code would be compiled where it can read the grader's files."""


@dataclass(frozen=True)
class BuildOutcome:
    """Whether the extensions were built, and what the student is told when they were not."""

    ok: bool
    cached: bool
    log: str = ""
    seconds: float = 0.0
    isolation: str = ""
    refused: bool = False

    def report(self) -> dict[str, object]:
        """What the results record about the build (no log, no path)."""
        return {"ok": self.ok, "cached": self.cached, "refused": self.refused, "seconds": round(self.seconds, 3),
                "isolation": self.isolation}


@dataclass(frozen=True)
class Toolchain:
    """The compiler and the folders a build reads, as found on this machine."""

    compiler: str
    compiler_version: str
    include_dirs: tuple[str, ...]
    libraries: tuple[tuple[str, str], ...]
    ext_suffix: str

    def folders(self) -> list[Path]:
        """Library folders to make visible in the sandbox."""
        return library_folders(tuple(name for name, _ in self.libraries))


def find_toolchain() -> Toolchain | str:
    """This machine's toolchain, or why there is none."""
    import numpy

    compiler = shutil.which(COMPILER)
    if compiler is None:
        return f"the grading machine has no C compiler ({COMPILER!r} is not on its PATH); tell your instructor"
    libraries = tuple((name, str(folder)) for name, folder in library_dirs(TOOLCHAIN_LIBRARIES))
    return Toolchain(compiler, _compiler_version(compiler), (sysconfig.get_paths()["include"], numpy.get_include()),
                     libraries, sysconfig.get_config_var("EXT_SUFFIX") or ".so")


@functools.lru_cache(maxsize=None)
def _compiler_version(compiler: str) -> str:
    done = subprocess.run([compiler, "-dumpfullversion", "-dumpversion"], capture_output=True, text=True,
                          timeout=COMPILER_QUERY_SECONDS)
    return done.stdout.strip()


def shared_utility(package: str) -> str:
    """The qualified name of the shared utility module that ``package``'s extensions import."""
    return f"{package}.{SHARED_UTILITY_MODULE}"


def description(toolchain: Toolchain, package: str, modules: list[str], library_dir: Path | None,
                shared: bool = False) -> dict[str, object]:
    """The build description handed to the in-sandbox script: every input of the result but the sources.
    With ``shared``, the script builds the shared utility module (and ``modules`` is empty)."""
    return {"format": BUILD_FORMAT, "package": package, "modules": modules, "compiler": toolchain.compiler,
            "generate_shared": shared, "shared_utility": shared_utility(package),
            "flags": list(SHARED_FLAGS if shared else MODULE_FLAGS), "include_dirs": list(toolchain.include_dirs),
            "ext_suffix": toolchain.ext_suffix, "cython_options": CYTHON_OPTIONS,
            "library_dirs": [] if library_dir is None else [str(library_dir)]}


def build_key(sources: list[Path], toolchain: Toolchain, package: str, shared: bool = False) -> str:
    """Hash of the sources and of everything else that changes the compiled result."""
    digest = hashlib.sha256()
    modules = [source.stem for source in sources if source.suffix == ".pyx"]
    digest.update(json.dumps(description(toolchain, package, modules, None, shared), sort_keys=True).encode())
    digest.update(json.dumps(asdict(toolchain), sort_keys=True).encode())
    for name in TOOLCHAIN_LIBRARIES:
        digest.update(f"{name}={metadata.version(name)};".encode())
    digest.update(f"{sys.version};{platform.machine()};".encode())
    digest.update(hashlib.sha256(BUILD_SCRIPT.read_bytes()).digest())
    for source in sources:
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def staged_sources(package: Path) -> list[Path]:
    """The package's Cython files (regular files only): the only files a build gets."""
    return sorted(p for p in package.iterdir()
                  if p.suffix in STAGED_SUFFIXES and p.is_file() and not p.is_symlink())


def build_extensions(sandbox: Path, workdir: Path, limits: Limits, cache: Path = DEFAULT_CACHE, *, package: str,
                     refuse_unconfined: bool = False) -> BuildOutcome | None:
    """Build ``sandbox/<package>/*.pyx`` into extension files beside them; ``None`` when there is nothing to build.

    ``workdir`` is a private folder of the grader's for the build folder and the
    script's runtime. With ``refuse_unconfined``, raise :class:`UnconfinedBuild`
    rather than compile where the isolation can't hide the grader's files.
    """
    started = time.monotonic()
    folder = sandbox / package
    sources = staged_sources(folder) if folder.is_dir() else []
    modules = [source.stem for source in sources if source.suffix == ".pyx"]
    if not modules:
        return None
    toolchain = find_toolchain()
    isolation = worker_isolation(limits)  # the worker's level (one probe per process); the toolchain is bound at launch

    def outcome(ok: bool, cached: bool = False, log: str = "", refused: bool = False) -> BuildOutcome:
        return BuildOutcome(ok, cached, log, time.monotonic() - started, isolation.level, refused)

    problems = check_package(folder, sources)
    if problems:
        return outcome(False, log="\n".join(problems[:REFUSED_LINES_SHOWN]), refused=True)
    if isinstance(toolchain, str):
        return outcome(False, log=toolchain)
    entry = cache / build_key(sources, toolchain, package)
    if entry.is_dir():
        shared = _shared_utility(toolchain, package, isolation, workdir, limits, cache)
        if isinstance(shared, str):
            return outcome(False, log=shared)
        _install(entry, folder)
        _install(shared, folder)
        return outcome(True, cached=True)
    if refuse_unconfined and not isolation.confines_files:
        raise UnconfinedBuild(
            f"refusing to compile student C code at isolation level {isolation.level!r}: there the compiler can "
            "read the grader's files (course folder, secret, other submissions) and embed them in the extension. "
            "Install bubblewrap, or pass --allow-unconfined-build to accept the risk.")
    failure = _run_confined(sources, package, modules, False, toolchain, isolation, workdir, limits)
    if failure is not None:
        return outcome(False, log=failure)
    missing = _store(workdir / "build" / "out", [m + toolchain.ext_suffix for m in modules], entry)
    if missing:
        return outcome(False, log=f"the build finished but left no usable {missing}")
    shared = _shared_utility(toolchain, package, isolation, workdir, limits, cache)
    if isinstance(shared, str):
        return outcome(False, log=shared)
    _install(entry, folder)
    _install(shared, folder)
    return outcome(True)


def _shared_utility(toolchain: Toolchain, package: str, isolation: Isolation, workdir: Path, limits: Limits,
                    cache: Path) -> Path | str:
    """The cache entry holding the shared utility module, built first when missing; else why it could not be.

    A lock in the cache makes concurrent graders wait for one build instead of each
    building it."""
    entry = cache / ("shared-" + build_key([], toolchain, package, shared=True))
    if entry.is_dir():
        return entry
    lock = os.open(cache, os.O_RDONLY | os.O_DIRECTORY)  # the module's build has made the cache folder
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if entry.is_dir():
            return entry
        name = SHARED_UTILITY_MODULE + toolchain.ext_suffix
        failure = _run_confined([], package, [], True, toolchain, isolation, workdir, limits, folder="shared-build")
        if failure is None and _store(workdir / "shared-build" / "out", [name], entry) is None:
            return entry
    finally:
        os.close(lock)
    return ("the grader could not build Cython's shared utility module, so no extension can be loaded; "
            f"tell your instructor:\n{failure or 'it left no ' + name}")


def _run_confined(sources: list[Path], package: str, modules: list[str], shared: bool, toolchain: Toolchain,
                  isolation: Isolation, workdir: Path, limits: Limits, folder: str = "build") -> str | None:
    """Run the build script in the sandbox, in ``workdir/folder``; ``None`` on success, else the student-safe log."""
    build_dir, runtime = workdir / folder, workdir / f"{folder}-runtime"
    (build_dir / package).mkdir(parents=True)
    (build_dir / "tmp").mkdir()
    for source in sources:
        shutil.copyfile(source, build_dir / package / source.name)
    (build_dir / package / "__init__.py").write_bytes(b"")
    (runtime / "libs").mkdir(parents=True)
    shutil.copyfile(BUILD_SCRIPT, runtime / BUILD_SCRIPT.name)
    for name, folder in toolchain.libraries:
        (runtime / "libs" / name).symlink_to(folder, target_is_directory=True)
    (runtime / "description.json").write_text(json.dumps(description(toolchain, package, modules, runtime / "libs", shared)))
    user = isolation.lease_user()
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(build_dir), "TMPDIR": str(build_dir / "tmp")}
    program = [isolation.python, "-I", "-S", "-B", str(runtime / BUILD_SCRIPT.name), str(runtime / "description.json")]
    try:
        isolation.grant(build_dir, user, [workdir])
        with tempfile.TemporaryFile() as output:  # a file, not memory: RLIMIT_FSIZE caps what the build can print
            with isolation.launch(program, [runtime, *toolchain.folders()], [build_dir], user) as launch:
                try:
                    process = subprocess.Popen(
                        launch.command, cwd=build_dir, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=output,
                        pass_fds=launch.pass_fds, start_new_session=True,
                        preexec_fn=lambda: (apply_limits(limits, limits.build_seconds), isolation.in_child(user)))
                except OSError as exc:
                    return f"the build could not start ({exc.strerror})"
                try:
                    process.wait(timeout=limits.build_seconds)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)  # the compiler processes too, not only the build script
                    process.wait()
                    return f"the build did not finish within {limits.build_seconds:g} s"
            output.seek(max(0, output.tell() - RAW_LOG_BYTES))
            log = output.read().decode(errors="replace")
    finally:
        if user is not None:
            user.release()  # nothing of the build survives
    if process.returncode != 0:
        return scrub_log(log, {build_dir: ".", runtime: "<build>", **_machine_paths(toolchain)})
    return None


def _machine_paths(toolchain: Toolchain) -> dict[Path, str]:
    """Folders of the grading machine that a compiler message may name, with what to show instead."""
    labels = {Path(folder): f"<{name}>" for name, folder in toolchain.libraries}
    labels.update({folder: "<python>" for folder in python_folders()})
    labels.update({Path(__file__).resolve().parents[2]: "<grader>", Path(tempfile.gettempdir()): "<tmp>",
                   Path.home(): "<home>"})
    return labels


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_OTHER_PATH = re.compile(r"(?<![\w.<>~-])/(?!usr/)[\w.+-]+(?:/[\w.+-]+)+")


def scrub_log(log: str, paths: dict[Path, str]) -> str:
    """The tail of a build log, without control characters or any path of the grading machine
    (the known folders are named by label, any other absolute path outside ``/usr`` is hidden)."""
    for folder, label in sorted(paths.items(), key=lambda item: -len(str(item[0]))):
        log = log.replace(str(folder) + os.sep, "" if label == "." else label + "/").replace(str(folder), label)
    log = _OTHER_PATH.sub("<path>", _CONTROL.sub("", log))
    return log if len(log) <= LOG_LIMIT else "...\n" + log[-LOG_LIMIT:]


def _read_regular(folder_fd: int, name: str) -> bytes | None:
    """The bytes of ``name`` inside the open folder, only if it is a regular file of a sane size."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder_fd)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_EXTENSION_BYTES:
            return None
        return handle.read(MAX_EXTENSION_BYTES + 1)


def _store(out: Path, names: list[str], entry: Path) -> str | None:
    """Copy the built files (only the expected names, only regular files) into the cache entry;
    the name of a missing or unusable one, if any."""
    entry.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    entry.parent.chmod(0o700)
    staging = Path(tempfile.mkdtemp(dir=entry.parent, prefix=".build-"))
    try:
        folder_fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        folder_fd = None
    try:
        for name in names:
            data = None if folder_fd is None else _read_regular(folder_fd, name)
            if data is None:
                return name
            (staging / name).write_bytes(data)
        staging.rename(entry)
    except OSError:  # another grader stored the same build first
        pass
    finally:
        if folder_fd is not None:
            os.close(folder_fd)
        shutil.rmtree(staging, ignore_errors=True)
    return None


def _install(entry: Path, package: Path) -> None:
    for built in entry.iterdir():
        shutil.copyfile(built, package / built.name)
