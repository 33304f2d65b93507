"""Checks of models: a network's ``loss(X, y) -> (loss, grads)`` and an estimator's fitted state.

A student's model is a handle (an object kept in the worker): ``model.get(name)``
reads an attribute, ``model.set(name, value)`` replaces one. The reference's model
lives here, so both can hold the same parameters.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autograder.grading.checks.gradients import MODEL_DIRECTIONS, directional_errors
from autograder.grading.checks.shapes import expect_keys
from autograder.grading.compare import expect_array, expect_scalar, expect_structure

SCALAR_UPSTREAM = 1.0  # the loss ends the chain: its upstream gradient is one


def expect_grads(name: str, grads: Any, expected: Mapping[str, np.ndarray], tol: float) -> None:
    """``grads`` has the keys of ``expected`` and matches it array by array."""
    expect_keys(name, grads, expected)
    for key in sorted(expected):
        expect_array(f"{name}['{key}']", grads[key], expected[key], tol)


def check_model_loss(name: str, model: Any, expected_model: Any, X: np.ndarray, y: np.ndarray, tol: float,
                     grads_tol: float | None = None) -> None:
    """Compare ``model.loss(X, y)`` (a student's model) with ``expected_model.loss(X, y)``:
    the loss within ``tol`` and the gradient of every parameter within ``grads_tol`` (default ``tol``)."""
    expected_loss, expected_grads = expected_model.loss(X, y)
    loss, grads = expect_structure(f"{name}.loss(X, y)", model.loss(X, y), 2)
    expect_scalar(f"{name} loss", loss, float(expected_loss), tol)
    expect_grads(f"{name} grads", grads, expected_grads, tol if grads_tol is None else grads_tol)


def model_numeric_gradient_error(model: Any, params: Mapping[str, np.ndarray], X: np.ndarray, y: np.ndarray,
                                 rng: np.random.Generator, directions: int = MODEL_DIRECTIONS) -> float:
    """Largest relative error between the student model's analytic gradients at ``params``
    and central differences of its own loss along random unit directions in parameter space.

    Costs ``2 * directions + 1`` loss evaluations (more when a step straddles a kink), the
    params of each assigned just before it in the same worker request, one request per step
    size; leaves the model's params at ``params``.
    """
    base = {key: np.asarray(value, dtype=np.float64) for key, value in params.items()}
    loss = model.loss.each
    _, grads = expect_structure("loss(X, y)", next(loss([base], (X, y), attribute="params")), 2)
    expect_keys("loss(X, y) grads", grads, base)
    try:
        return float(directional_errors(lambda points: loss(points, (X, y), attribute="params", first=True),
                                        base, grads, SCALAR_UPSTREAM, rng, directions).max())
    finally:
        model.set("params", base)


def fit_pair(student_class: Any, reference_class: Any, settings: dict[str, Any], X: np.ndarray, y: np.ndarray,
             *more: np.ndarray) -> tuple[Any, Any]:
    """The student's and the reference's estimator, built with ``settings`` and fitted on
    ``(X, y, *more)`` (``fit`` of the reference returns the estimator)."""
    model = student_class(**settings)
    model.fit(X, y, *more)
    return model, reference_class(**settings).fit(X, y, *more)


def expect_attribute(name: str, model: Any, expected: Any, tol: float) -> None:
    """The fitted attribute ``name`` (an array or a list of numbers, such as a loss history)
    matches the reference's, whatever its dtype."""
    expect_array(name, np.asarray(model.get(name), dtype=float), np.asarray(getattr(expected, name)), tol,
                 check_dtype=False)


def check_fitted(name: str, model: Any, expected: Any, X_new: np.ndarray, tol: float, weights: bool = True) -> None:
    """Compare an estimator's predictions on ``X_new`` and, with ``weights``, its ``coef_`` and ``intercept_``."""
    if weights:
        expect_array(f"{name}.coef_", model.get("coef_"), expected.coef_, tol, check_dtype=False)
        if np.ndim(expected.intercept_) == 0:
            expect_scalar(f"{name}.intercept_", model.get("intercept_"), float(expected.intercept_), tol)
        else:
            expect_array(f"{name}.intercept_", model.get("intercept_"), expected.intercept_, tol, check_dtype=False)
    expect_array(f"{name}.predict", model.predict(X_new), expected.predict(X_new), tol, check_dtype=False)
