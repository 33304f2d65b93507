"""Cython's shared utility module: built once per cache and toolchain, loaded by every student's extension."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.grading.build import SHARED_UTILITY_MODULE, shared_utility
from autograder.grading.client import StudentError, StudentPackage, StudentProcess
from test_adversarial_build import LIMITS, build

SUMMING = """\
# cython: language_level=3, boundscheck=False, wraparound=False
from cython cimport floating

def total(const floating[::1] values):
    cdef Py_ssize_t i
    cdef double result = {start}
    for i in range(values.shape[0]):
        result += values[i]
    return result
"""


def test_two_students_share_one_utility_module(tmp_path):
    """Two different memoryview modules: two builds, one shared module, each extension works with it
    and fails to import without it."""
    cache = tmp_path / "cache"
    first = build(tmp_path / "a", SUMMING.format(start=1), cache)
    second = build(tmp_path / "b", SUMMING.format(start=2), cache)
    assert first.ok and second.ok and not second.cached, first.log + second.log
    (shared,) = [entry for entry in cache.iterdir() if entry.name.startswith("shared-")]
    (module,) = shared.iterdir()
    assert module.name.startswith(SHARED_UTILITY_MODULE + ".")
    package = tmp_path / "b" / "sandbox" / "numnet"
    assert (package / module.name).read_bytes() == module.read_bytes()

    process = StudentProcess(package.parent, tmp_path / "runtime", LIMITS, tmp_path / "worker.log")
    try:
        assert StudentPackage(process, "numnet").tiny.total(np.arange(4.0)) == 8.0
        assert StudentPackage(process, "numnet").tiny.total(np.arange(4, dtype=np.float32)) == 8.0
    finally:
        process.close()

    (package / module.name).unlink()
    process = StudentProcess(package.parent, tmp_path / "runtime2", LIMITS, tmp_path / "worker.log")
    try:
        with pytest.raises(StudentError, match=shared_utility("numnet").replace(".", r"\.")):
            StudentPackage(process, "numnet").tiny.total(np.arange(4.0))
    finally:
        process.close()
