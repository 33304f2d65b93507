"""Checks of a loss function ``loss(x, y) -> (loss, dx)``: against the reference, and against
numeric gradients of the student's own loss."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autograder.grading.checks.gradients import numeric_gradient_error
from autograder.grading.checks.layers import check_untouched, exact_result, resolve
from autograder.grading.compare import Mismatch, expect_array, expect_scalar, expect_structure

SCALAR_UPSTREAM = np.float64(1.0)  # a loss is the end of the chain: its upstream gradient is one


def check_loss(student: Any, reference: Any, function: str, x: np.ndarray, y: np.ndarray, tol: float,
               alternatives: Mapping[str, np.ndarray] | None = None) -> tuple[float, np.ndarray]:
    """Compare a loss function's ``(loss, dx)`` with the reference; return the student's pair."""
    expected_loss, expected_dx = resolve(reference, function)(x.copy(), y.copy())
    exact = exact_result(resolve(reference, function), (x, y))
    call = resolve(student, function).effects(x, y)
    check_untouched(function, ("x", "y"), (x, y), call.args)
    loss, dx = expect_structure(function, call.result, 2)
    expect_scalar(f"{function} loss", loss, expected_loss, tol)
    expect_array(f"{function} dx", dx, expected_dx, tol, alternatives=alternatives,
                 exact=None if exact is None else exact[1])
    return loss, dx


def check_loss_numeric(student: Any, function: str, x: np.ndarray, y: np.ndarray, rng: np.random.Generator,
                       numeric_tol: float) -> None:
    """The student's ``dx`` against the numeric gradient of the student's own loss."""
    target = resolve(student, function)
    _, dx = expect_structure(function, target(x, y), 2)
    error = numeric_gradient_error(lambda points: target.each(points, (x, y), 0, first=True), x, dx, SCALAR_UPSTREAM,
                                   rng)
    if not error <= numeric_tol:
        raise Mismatch(f"{function} dx disagrees with the numeric gradient of your loss: "
                       f"max rel error {error:.3g} (tolerance {numeric_tol:.0e})")
