"""Cascades: a failing check of a model names the tasks of its building blocks that fail too."""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import pytest

from autograder.grading.client import StudentError
from autograder.grading.compare import Mismatch


@contextlib.contextmanager
def built_on(blocks: Mapping[str, Callable[[], None]]) -> Iterator[None]:
    """Run a check of a model made of the student's own layers. When it fails, the layers'
    own quick checks (``blocks``: task -> check) run too, and the failure names the tasks
    whose layers are wrong: a mistake in a layer fails the model as well, and that task is
    the one to fix first."""
    try:
        yield
    except (Mismatch, StudentError) as failure:
        broken = [task for task, check in blocks.items() if _fails(check)]
        if not broken:
            raise
        note = (f"the model runs on your own layers, and those of task(s) {', '.join(repr(t) for t in broken)} "
                "fail their own checks: fix them first")
        if isinstance(failure, Mismatch):
            raise Mismatch(f"{failure}; {note}", failure.diagnosis, failure.case) from None
        failure.where = f"{failure.where}; {note}" if failure.where else note
        failure.args = (failure.summary(),)
        raise


def cascade_hook(network_task: str, layer_checks: Callable[..., Mapping[str, Callable[[], None]]]) -> Callable:
    """A ``pytest_runtest_call`` hook for a suite's ``conftest.py``: every test of ``network_task``
    runs inside :func:`built_on` the checks ``layer_checks(student, reference, rng, tol)`` returns."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(item: pytest.Item) -> Any:
        if item.get_closest_marker("task").args[0] != network_task:
            return (yield)
        fixture = item._request.getfixturevalue  # also the fixtures the test itself does not ask for
        rng = np.random.default_rng(list(item.nodeid.encode()))  # the same on every regrade
        with built_on(layer_checks(fixture("student"), fixture("reference"), rng, fixture("tol"))):
            return (yield)

    return pytest_runtest_call


def _fails(check: Callable[[], None]) -> bool:
    try:
        check()
    except (Mismatch, StudentError):
        return True
    return False
