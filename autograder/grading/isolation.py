"""How strongly the student worker can be isolated on this machine, and how to launch it so.

Three levels, strongest first; :func:`detect` picks the strongest one that works
here (and no stronger than asked for):

- ``bwrap``: bubblewrap gives the worker its own mount, PID, network, IPC and UTS
  namespaces. Its file system holds only ``/usr``, the Python installation, the
  allowed libraries, the worker's runtime (read-only), the sandbox and an empty
  ``/tmp``; the grader, the reference, the hidden suites, other submissions and the
  secret simply do not exist there. As root, ``setpriv`` then drops to ``nobody``
  with no capabilities.
- ``unshare``: new network and PID namespaces (with a private ``/proc``) through
  util-linux ``unshare``; the file system is shared with the grader.
- ``rlimits``: resource limits only; sockets are refused by the worker's bootstrap,
  which student code can undo (weak).

In every level the worker runs as ``nobody`` when the grader is root and the Python
installation is usable by ``nobody``.
"""
from __future__ import annotations

import functools
import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

LEVELS = ("bwrap", "unshare", "rlimits")
UNPRIVILEGED_USER = "nobody"
_PROBE = "import numpy"


@dataclass(frozen=True)
class Isolation:
    """The isolation mechanisms a worker launch uses."""

    level: str
    uid: int | None = None
    gid: int | None = None

    @property
    def python(self) -> str:
        return python_executable()

    @property
    def network(self) -> str:
        return "socket guard in the worker (weak)" if self.level == "rlimits" else "network namespace"

    @property
    def filesystem(self) -> str:
        return "bubblewrap: only the sandbox, Python and NumPy are visible" if self.level == "bwrap" else "shared with the grader"

    @property
    def user(self) -> str:
        return UNPRIVILEGED_USER if self.uid is not None else "the grader's user"

    def report(self) -> dict[str, str]:
        """What the results record about the isolation in use."""
        return {"level": self.level, "network": self.network, "filesystem": self.filesystem, "user": self.user}

    def command(self, python: list[str], readable: list[Path], writable: list[Path]) -> list[str]:
        """``python`` (a worker command line) wrapped in this level's launcher."""
        if self.level == "bwrap":
            return _bwrap(readable, writable) + self._setpriv() + python
        if self.level == "unshare":
            ids = [] if self.uid is None else ["--setgid", str(self.gid), "--setuid", str(self.uid)]
            return ["unshare", "--net", "--pid", "--fork", "--kill-child", "--mount-proc", *ids, "--"] + python
        return python

    def _setpriv(self) -> list[str]:
        if self.uid is None:
            return []
        return ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]

    def in_child(self) -> None:
        """Run in the forked child before exec: drop supplementary groups, and for the
        weakest level (no launcher to do it) drop to the unprivileged user."""
        if self.uid is None:
            return
        os.setgroups([])
        if self.level == "rlimits":
            os.setgid(self.gid)
            os.setuid(self.uid)

    def grant(self, sandbox: Path, runtime: Path) -> None:
        """Give the worker's user the sandbox (writable) and, without bubblewrap (which
        mounts both), a way through their private parent folder: traversable, not listable."""
        if self.uid is None:
            return
        for path in [sandbox, *sandbox.rglob("*")]:
            os.chown(path, self.uid, self.gid, follow_symlinks=False)
        if self.level != "bwrap":
            for parent in {sandbox.parent, runtime.parent}:
                parent.chmod(parent.stat().st_mode | 0o111)


def python_executable() -> str:
    """The real interpreter behind ``sys.executable`` (a venv's link is not needed)."""
    return os.path.realpath(sys.executable)


def python_folders() -> list[Path]:
    """Folders the interpreter and its standard library live in."""
    folders = {Path(sys.base_prefix).resolve(), Path(python_executable()).parent.parent}
    return sorted(f for f in folders if not str(f).startswith("/usr/"))


def _bwrap(readable: list[Path], writable: list[Path]) -> list[str]:
    args = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    args += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache", "--proc", "/proc", "--dev", "/dev",
             "--tmpfs", "/tmp"]
    binds = [("--ro-bind", folder) for folder in [*python_folders(), *readable]] + [("--bind", f) for f in writable]
    ancestors = sorted({a for _, folder in binds for a in Path(folder).parents if a != Path("/")}, key=lambda a: len(a.parts))
    for ancestor in ancestors:  # created traversable: bwrap would copy a private parent's mode
        args += ["--perms", "0755", "--dir", str(ancestor)]
    for option, folder in binds:
        args += [option, str(folder), str(folder)]
    args += [arg for folder in writable for arg in ("--chdir", str(folder))]
    if os.geteuid() == 0:
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    return args


def _unprivileged_ids() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def _works(isolation: Isolation, libraries: list[Path]) -> bool:
    """Whether a worker-like interpreter starts and imports NumPy at this level."""
    code = f"import sys; sys.path[:0] = {[str(p.parent) for p in libraries]!r}; {_PROBE}"
    command = isolation.command([python_executable(), "-I", "-S", "-c", code], libraries, [])
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=30,
                              preexec_fn=isolation.in_child)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@functools.lru_cache(maxsize=None)
def detect(strongest: str = "bwrap", libraries: tuple[Path, ...] = ()) -> Isolation:
    """The strongest isolation level, no stronger than ``strongest``, that works here."""
    if strongest not in LEVELS:
        raise ValueError(f"unknown isolation level {strongest!r}; expected one of {', '.join(LEVELS)}")
    ids = _unprivileged_ids()
    for level in LEVELS[LEVELS.index(strongest):]:
        if level != "rlimits" and shutil.which(level if level == "bwrap" else "unshare") is None:
            continue
        for candidate in ([Isolation(level, *ids)] if ids else []) + [Isolation(level)]:
            if level == "rlimits" and candidate.uid is None or _works(candidate, list(libraries)):
                return candidate
    return Isolation("rlimits")
