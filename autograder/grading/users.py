"""One unprivileged user per sandbox, so that concurrent sandboxes share nothing kept per user.

When the grader runs as root, every worker and every build gets a user id of its own,
leased from a reserved range: kernel keyrings, the process limit (``RLIMIT_NPROC``),
signals, ``ptrace`` and ``/proc`` access all go by user, so two students graded at
once can't reach each other through them. The ids have no ``/etc/passwd`` entry.

A lease is an exclusive ``flock`` on ``LOCK_DIR/<uid>``, held for the sandbox's
lifetime, so graders running in parallel (a batch's pool processes) never hand out
the same id; a crashed grader's locks vanish with it. Every process still running
under the id is killed when it is leased and when it is released.
"""
from __future__ import annotations

import fcntl
import os
import random
import signal
import subprocess
from pathlib import Path
from typing import IO

FIRST_UID = 1_900_000_000  # above systemd's container range (up to 0x6FFEFFFF), below 2**31
UID_COUNT = 4096
LOCK_DIR = Path("/run/autograder/users")


class NoFreeUser(RuntimeError):
    """Every id of the reserved range is leased."""


class SandboxUser:
    """An exclusive lease on one reserved user id (group id alike)."""

    def __init__(self, uid: int, lock: IO[bytes]) -> None:
        self.uid = uid
        self.gid = uid
        self._lock: IO[bytes] | None = lock
        kill_all_processes(uid)

    def release(self) -> None:
        """Kill whatever still runs under this id, then give the id back."""
        if self._lock is None:
            return
        kill_all_processes(self.uid)
        self._lock.close()
        self._lock = None

    def __repr__(self) -> str:
        return f"SandboxUser({self.uid})"


def _lock_dir() -> Path:
    LOCK_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = LOCK_DIR.stat()
    if info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise RuntimeError(f"{LOCK_DIR} must belong to the grader's user and be writable by nobody else")
    return LOCK_DIR


def lease_user() -> SandboxUser:
    """Lease an unused id of the reserved range (the grader must be root)."""
    folder = _lock_dir()
    start = random.randrange(UID_COUNT)  # spreads parallel graders over the range
    for offset in range(UID_COUNT):
        uid = FIRST_UID + (start + offset) % UID_COUNT
        lock = open(folder / str(uid), "ab")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        return SandboxUser(uid, lock)
    raise NoFreeUser(f"all {UID_COUNT} sandbox user ids from {FIRST_UID} are in use")


def kill_all_processes(uid: int) -> None:
    """SIGKILL every process running as ``uid``: ``kill(-1)`` sent by a child that became ``uid``."""

    def as_user_kill_everything() -> None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        try:
            os.kill(-1, signal.SIGKILL)  # never the sender itself
        except ProcessLookupError:
            pass

    subprocess.run(["true"], preexec_fn=as_user_kill_everything, env={"PATH": "/usr/bin:/bin"},
                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
