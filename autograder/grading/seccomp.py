"""The seccomp filter of every sandbox: system calls a NumPy layer or a C build never needs.

The filter (built with libseccomp through ``pyseccomp``) lets everything through but
the calls below, which fail with ``EPERM``: kernel keyrings (a channel between users
of one machine), tracing and reading other processes' memory, mounts and new
namespaces (the sandbox must not rearrange itself), kernel modules, BPF, perf
events, ``userfaultfd`` and ``io_uring`` (frequent sources of kernel exploits).
``clone3`` fails with ``ENOSYS``, so the C library falls back to ``clone``, whose
namespace flags the filter can inspect. bubblewrap installs it (``--seccomp FD``)
just before it starts the sandboxed program.
"""
from __future__ import annotations

import contextlib
import errno
import functools
import os
import tempfile
from typing import Iterator

DENIED = (
    "keyctl", "add_key", "request_key",
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "open_tree", "move_mount",
    "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "name_to_handle_at", "open_by_handle_at",
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "reboot", "swapon", "swapoff", "acct", "quotactl", "syslog", "lookup_dcookie", "iopl", "ioperm",
)
NEW_NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)


@functools.lru_cache(maxsize=1)
def program() -> bytes | None:
    """The filter as a BPF program for ``bwrap --seccomp``; ``None`` without libseccomp."""
    try:
        import pyseccomp as seccomp

        deny = seccomp.ERRNO(errno.EPERM)
        rules = seccomp.SyscallFilter(seccomp.ALLOW)
        for name in DENIED:
            try:
                rules.add_rule(deny, name)
            except (OSError, ValueError, RuntimeError):  # a call this kernel/architecture does not have
                continue
        rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
        for flag in NEW_NAMESPACE_FLAGS:
            rules.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
        with tempfile.TemporaryFile() as out:
            rules.export_bpf(out)
            out.seek(0)
            return out.read() or None
    except (ImportError, OSError, AttributeError, RuntimeError, ValueError):
        return None


@contextlib.contextmanager
def program_fd() -> Iterator[int | None]:
    """A readable file descriptor holding the program, open for the duration; ``None`` without one."""
    code = program()
    if code is None:
        yield None
        return
    with tempfile.TemporaryFile() as holder:
        holder.write(code)
        holder.flush()
        holder.seek(0)
        os.set_inheritable(holder.fileno(), True)
        yield holder.fileno()
