"""Fixtures shared by the whole test suite."""
from __future__ import annotations

import textwrap

import numpy as np
import pytest

from autograder.grading.client import StudentPackage, StudentProcess
from autograder.grading.limits import Limits
from autograder.grading.plugin import register_markers


def pytest_configure(config: pytest.Config) -> None:
    """Tests import hidden suite modules directly (outside a grading session): their markers must be known."""
    register_markers(config)


@pytest.fixture
def rng() -> np.random.Generator:
    """A random generator with a fixed seed, fresh for every test."""
    return np.random.default_rng(231)


@pytest.fixture
def make_student(tmp_path):
    """Start a worker over a sandbox whose ``numnet/probe.py`` holds the given source."""
    processes = []

    def start(source: str, limits: Limits = Limits(call_seconds=5)) -> StudentPackage:
        sandbox = tmp_path / f"sandbox{len(processes)}"
        (sandbox / "numnet").mkdir(parents=True)
        (sandbox / "numnet" / "__init__.py").write_text("")
        (sandbox / "numnet" / "probe.py").write_text(textwrap.dedent(source))
        process = StudentProcess(sandbox, tmp_path / f"runtime{len(processes)}", limits, tmp_path / "worker.log")
        processes.append(process)
        return StudentPackage(process, "numnet")

    yield start
    for process in processes:
        process.close()
