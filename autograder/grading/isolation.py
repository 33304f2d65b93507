"""How strongly student code (the worker and the Cython build) can be isolated here, and how to launch it so.

Three levels, strongest first; :func:`detect` picks the strongest one that works
here (and no stronger than asked for):

- ``bwrap``: bubblewrap gives the worker its own mount, PID, network, IPC and UTS
  namespaces. Its file system holds only ``/usr``, the Python installation, the
  allowed libraries, the worker's runtime (read-only), the sandbox and an empty
  ``/tmp``; the grader, the reference, the hidden suites, other submissions and the
  secret simply do not exist there. As root, ``setpriv`` then drops to the
  sandbox's own user with no capabilities.
- ``unshare``: new network, PID, IPC and UTS namespaces (with a private ``/proc``)
  through util-linux ``unshare``; the file system is shared with the grader.
- ``rlimits``: resource limits only; sockets are refused by the worker's bootstrap,
  which student code can undo (weak).

When the grader is root and the Python installation is usable by an unprivileged
user, every sandbox (each worker and each build) runs as a user id of its own
(:mod:`autograder.grading.users`); under bubblewrap a seccomp filter
(:mod:`autograder.grading.seccomp`) also refuses system calls no layer needs.
"""
from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from autograder.grading import seccomp
from autograder.grading.users import SandboxUser, lease_user

LEVELS = ("bwrap", "unshare", "rlimits")
# Reads every file directly inside the folders named on its command line: a worker's
# interpreter starts and can load the libraries, without the cost of importing them
# (importing NumPy would take the probe from about 0.05 to 0.3 s, on every grade).
_PROBE = ("import os, sys\n"
          "for folder in sys.argv[1:]:\n"
          "    for entry in os.scandir(folder):\n"
          "        if entry.is_file():\n"
          "            open(entry.path, 'rb').close()\n")
#: Seconds a probe of an isolation level may take.
PROBE_SECONDS = 30


@dataclass(frozen=True)
class Launch:
    """A sandboxed command line and the file descriptors it must inherit."""

    command: list[str]
    pass_fds: tuple[int, ...]


@dataclass(frozen=True)
class Isolation:
    """The isolation mechanisms a sandbox launch (worker or build) uses."""

    level: str
    separate_users: bool = False
    seccomp: bool = False

    @property
    def python(self) -> str:
        return python_executable()

    @property
    def network(self) -> str:
        return "socket guard in the worker (weak)" if self.level == "rlimits" else "network namespace"

    @property
    def filesystem(self) -> str:
        return "bubblewrap: only the sandbox and the toolchain are visible" if self.level == "bwrap" else "shared with the grader"

    @property
    def user(self) -> str:
        return "a user of its own per sandbox" if self.separate_users else "the grader's user"

    @property
    def confines_files(self) -> bool:
        """Whether the grader's files (course, secret, other students) are out of the sandbox's sight."""
        return self.level == "bwrap"

    def report(self) -> dict[str, str]:
        """What the results record about the isolation in use."""
        return {"level": self.level, "network": self.network, "filesystem": self.filesystem, "user": self.user,
                "seccomp": "on" if self.seccomp else "off"}

    def lease_user(self) -> SandboxUser | None:
        """A user of its own for one sandbox, when this level separates users."""
        return lease_user() if self.separate_users else None

    @contextlib.contextmanager
    def launch(self, program: list[str], readable: list[Path], writable: list[Path],
               user: SandboxUser | None) -> Iterator[Launch]:
        """``program`` wrapped in this level's launcher, running as ``user``; valid inside the block."""
        with seccomp.program_fd() if self.seccomp else contextlib.nullcontext(None) as filter_fd:
            if self.level == "bwrap":
                command = _bwrap(readable, writable, filter_fd) + _setpriv(user) + program
            elif self.level == "unshare":
                ids = [] if user is None else ["--setgid", str(user.gid), "--setuid", str(user.uid)]
                command = ["unshare", "--net", "--pid", "--ipc", "--uts", "--fork", "--kill-child", "--mount-proc",
                           *ids, "--"] + program
            else:
                command = program
            yield Launch(command, () if filter_fd is None else (filter_fd,))

    def in_child(self, user: SandboxUser | None) -> None:
        """Run in the forked child before exec: drop supplementary groups, and for the
        weakest level (no launcher to do it) become the sandbox's user."""
        if user is None:
            return
        os.setgroups([])
        if self.level == "rlimits":
            os.setgid(user.gid)
            os.setuid(user.uid)

    def grant(self, writable: Path, user: SandboxUser | None, private: list[Path]) -> None:
        """Give ``user`` the folder ``writable`` and, without bubblewrap (which mounts what
        a sandbox sees), a way through the ``private`` folders above what it must reach:
        traversable, not listable."""
        if user is None:
            return
        for path in [writable, *writable.rglob("*")]:
            os.chown(path, user.uid, user.gid, follow_symlinks=False)
        if self.level != "bwrap":
            for folder in private:
                folder.chmod(folder.stat().st_mode | 0o111)


def _setpriv(user: SandboxUser | None) -> list[str]:
    if user is None:
        return []
    return ["setpriv", f"--reuid={user.uid}", f"--regid={user.gid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]


def python_executable() -> str:
    """The real interpreter behind ``sys.executable`` (a venv's link is not needed)."""
    return os.path.realpath(sys.executable)


def python_folders() -> list[Path]:
    """Folders the interpreter and its standard library live in."""
    folders = {Path(sys.base_prefix).resolve(), Path(python_executable()).parent.parent}
    return sorted(f for f in folders if not str(f).startswith("/usr/"))


def _bwrap(readable: list[Path], writable: list[Path], filter_fd: int | None) -> list[str]:
    args = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--ro-bind", "/usr", "/usr"]
    if os.geteuid() != 0:
        args.append("--unshare-user-try")  # no ids to hand out: a user namespace per sandbox instead
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
    args += [arg for folder in writable[:1] for arg in ("--chdir", str(folder))]
    if os.geteuid() == 0:
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    if filter_fd is not None:
        args += ["--seccomp", str(filter_fd)]
    return args


def _works(isolation: Isolation, libraries: list[Path]) -> bool:
    """Whether a worker-like interpreter starts at this level, as a sandbox user, and can read the libraries."""
    try:
        user = isolation.lease_user()  # fails where the lease folder can't be made: no separate users then
    except (OSError, RuntimeError):
        return False
    try:
        with isolation.launch([python_executable(), "-I", "-S", "-c", _PROBE, *map(str, libraries)], libraries, [],
                              user) as launch:
            done = subprocess.run(launch.command, stdin=subprocess.DEVNULL, capture_output=True, timeout=PROBE_SECONDS,
                                  pass_fds=launch.pass_fds, preexec_fn=lambda: isolation.in_child(user))
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        if user is not None:
            user.release()
    return done.returncode == 0


def _candidates(level: str) -> list[Isolation]:
    """Ways to run ``level``, most protective first."""
    users = [True, False] if os.geteuid() == 0 else [False]
    filters = [True, False] if level == "bwrap" and seccomp.program() is not None else [False]
    return [Isolation(level, separate, filtered) for separate in users for filtered in filters]


@functools.lru_cache(maxsize=None)
def detect(strongest: str = "bwrap", libraries: tuple[Path, ...] = ()) -> Isolation:
    """The strongest isolation level, no stronger than ``strongest``, that works here."""
    if strongest not in LEVELS:
        raise ValueError(f"unknown isolation level {strongest!r}; expected one of {', '.join(LEVELS)}")
    for level in LEVELS[LEVELS.index(strongest):]:
        if level != "rlimits" and shutil.which(level if level == "bwrap" else "unshare") is None:
            continue
        for candidate in _candidates(level):
            if level == "rlimits" and not candidate.separate_users or _works(candidate, list(libraries)):
                return candidate
    return Isolation("rlimits")


def weaker_level_warning(isolation: Isolation) -> str | None:
    """A loud warning for the instructor when student code can't be fully confined here; ``None`` at full strength."""
    if isolation.confines_files and isolation.separate_users == (os.geteuid() == 0):
        return None
    missing = [] if isolation.confines_files else [
        f"isolation level {isolation.level!r}: student code (and its Cython build) can read every file the "
        "grader's sandbox user can read; install bubblewrap (apt-get install bubblewrap)"]
    if os.geteuid() == 0 and not isolation.separate_users:
        missing.append("student code runs as the grader's own user (the Python installation is not usable by "
                       "an unprivileged user)")
    return "WARNING: weaker sandbox: " + "; ".join(missing)
