"""The grader's end of the worker's pipes: buffered reads, and waits that end at the deadline."""
from __future__ import annotations

import os
import time

import pytest

from autograder.grading.channel import DeadlineChannel, Expired


def test_reads_and_writes_give_up_at_the_deadline_and_read_what_is_there():
    into_channel_r, into_channel_w = os.pipe()
    out_of_channel_r, out_of_channel_w = os.pipe()
    channel = DeadlineChannel(into_channel_r, out_of_channel_w)
    try:
        channel.deadline = time.monotonic() + 0.2
        with pytest.raises(Expired):
            channel.read(1)  # nothing was written
        channel.deadline = time.monotonic() + 0.2
        with pytest.raises(Expired):
            channel.write(b"x" * (4 << 20))  # far more than the pipe holds, and nobody reads it

        channel.deadline = float("inf")
        os.write(into_channel_w, b"abcdef")
        assert channel.read(2) == b"ab"
        target = bytearray(10)
        assert channel.readinto(memoryview(target)) == 4 and target[:4] == b"cdef"
        os.close(into_channel_w)
        assert channel.read(3) == b""  # the other side closed its end
    finally:
        channel.close()
        os.close(out_of_channel_r)
