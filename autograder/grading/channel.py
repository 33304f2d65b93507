"""The grader's end of the worker's pipes: reads and writes that give up at a deadline.

:func:`autograder.untrusted.wire.read_message` and ``write_message`` use it like a
binary stream. Every wait is a ``select`` bounded by the current call's deadline,
so a call into student code needs no thread of its own to be timed out.
"""
from __future__ import annotations

import os
import select
import time

CHUNK = 1 << 16


class Expired(Exception):
    """The deadline passed before the other side read or wrote what was needed."""


class DeadlineChannel:
    """Non-blocking pipe ends (ours only) with a buffered ``read`` and a ``write`` bounded by ``deadline``."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self.read_fd, self.write_fd = read_fd, write_fd
        os.set_blocking(read_fd, False)
        os.set_blocking(write_fd, False)
        self.deadline = float("inf")
        self._buffer = bytearray()

    def _wait(self, readable: bool) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise Expired
        fds = [self.read_fd] if readable else []
        ready = select.select(fds, [] if readable else [self.write_fd], [], remaining)
        if not any(ready):
            raise Expired

    def read(self, size: int) -> bytes:
        """``size`` bytes, or fewer when the other side closed its end."""
        while len(self._buffer) < size:
            try:
                chunk = os.read(self.read_fd, max(CHUNK, size - len(self._buffer)))
            except BlockingIOError:
                self._wait(readable=True)
                continue
            if not chunk:
                break
            self._buffer += chunk
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def readinto(self, target: memoryview) -> int:
        """Read into ``target`` what is there (at least a byte, waiting for it); 0 when the other side closed."""
        view = memoryview(target).cast("B")
        if self._buffer:
            count = min(len(view), len(self._buffer))
            view[:count] = self._buffer[:count]
            del self._buffer[:count]
            return count
        while True:
            try:
                return os.readv(self.read_fd, [view])
            except BlockingIOError:
                self._wait(readable=True)

    def write(self, data: bytes) -> None:
        """All of ``data``; raises ``BrokenPipeError`` when the other side is gone."""
        view = memoryview(data)
        while view:
            try:
                view = view[os.write(self.write_fd, view):]
            except BlockingIOError:
                self._wait(readable=False)

    def flush(self) -> None:
        """Writes are not buffered."""

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass
