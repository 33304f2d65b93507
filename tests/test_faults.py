"""Faults outside the student's control: a worker killed from outside, results that
can't be written, a missing C compiler."""
from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import threading
import time

import pytest

from autograder.grading import results as results_module
from autograder.grading.build import build_extensions
from autograder.grading.client import WorkerCrashed
from autograder.grading.limits import Limits
from autograder.grading.results import ResultsError, write_atomically
from autograder.paths import RELEASE


def test_a_worker_killed_from_outside_fails_only_the_call_in_flight(make_student):
    """SIGKILL from outside mid-call: that call fails with the signal's name, the next one works."""
    student = make_student("""
        import time
        def slow(): time.sleep(10); return 1
        def quick(): return 2
    """, Limits(call_seconds=8))
    assert student.probe.quick() == 2
    process = student.process
    threading.Timer(0.3, lambda: os.kill(process._proc.pid, signal.SIGKILL)).start()
    started = time.monotonic()
    with pytest.raises(WorkerCrashed, match="killed by SIGKILL"):
        student.probe.slow()
    assert time.monotonic() - started < 5
    assert student.probe.quick() == 2
    assert process.restarts == 1


def test_a_full_disk_leaves_no_partial_results_file(tmp_path, monkeypatch):
    """ENOSPC while writing: an error is reported and neither a partial file nor a temporary one remains."""
    target = tmp_path / "out" / "results.json"

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(results_module.os, "fsync", no_space)
    with pytest.raises(ResultsError, match="No space left on device"):
        write_atomically(target, "{" + "x" * 100000)
    assert list(target.parent.iterdir()) == []


def test_a_previous_results_file_survives_a_failed_write(tmp_path, monkeypatch):
    """A failed rewrite keeps the previous complete results file."""
    target = tmp_path / "results.json"
    write_atomically(target, '{"score": 1}')
    monkeypatch.setattr(results_module.os, "replace", lambda *a: (_ for _ in ()).throw(OSError(errno.EIO, "I/O error")))
    with pytest.raises(ResultsError, match="I/O error"):
        write_atomically(target, '{"score": 2}')
    assert target.read_text() == '{"score": 1}'
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_an_unwritable_results_folder_is_an_error(tmp_path):
    """A results path under a regular file can't be created: a ResultsError names it."""
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ResultsError, match="can't write"):
        write_atomically(blocker / "results.json", "{}")


def test_a_missing_compiler_is_a_clear_build_failure(tmp_path, monkeypatch):
    """Without a C compiler on PATH the build fails with a message saying so, not a crash."""
    sandbox = tmp_path / "sandbox"
    shutil.copytree(RELEASE / "conv_nets" / "numnet", sandbox / "numnet",
                    ignore=shutil.ignore_patterns("*.so", "*.c", "__pycache__", "build"))
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    workdir = tmp_path / "work"
    workdir.mkdir()
    outcome = build_extensions(sandbox, workdir, Limits(build_seconds=60), cache=tmp_path / "cache", package="numnet")
    assert outcome is not None and not outcome.ok and not outcome.cached
    assert re.search(r"no C compiler \('gcc' is not on its PATH\)", outcome.log), outcome.log[-500:]
    assert not (tmp_path / "cache").exists()
