"""Shared pieces of the linear_regression checks: data and fitted-model comparisons."""
from __future__ import annotations

from typing import Any

import numpy as np

from autograder.grading.compare import expect_array, expect_scalar


def regression_data(rng: np.random.Generator, m: int, n: int, outputs: int | None = None,
                    offset: float = 5.0) -> tuple[np.ndarray, np.ndarray]:
    """Features with unequal scales and a noisy linear target with a clear intercept.

    ``outputs=None`` gives ``y`` of shape (m,), otherwise (m, outputs).
    """
    X = rng.standard_normal((m, n)) * rng.uniform(0.5, 3.0, n) + rng.uniform(-2.0, 2.0, n)
    k = 1 if outputs is None else outputs
    W = rng.standard_normal((n, k))
    y = X @ W + offset + rng.uniform(1.0, 2.0, k) + 0.1 * rng.standard_normal((m, k))
    return X, (y[:, 0] if outputs is None else y)


def fit_pair(student_class: Any, reference_class: Any, settings: dict[str, Any], X: np.ndarray,
             y: np.ndarray) -> tuple[Any, Any]:
    """The student's and the reference's model, built with ``settings`` and fitted on ``(X, y)``."""
    model = student_class(**settings)
    model.fit(X, y)
    return model, reference_class(**settings).fit(X, y)


def check_fitted(name: str, model: Any, expected: Any, X_new: np.ndarray, tol: float, weights: bool = True) -> None:
    """Compare predictions on ``X_new`` and, with ``weights``, ``coef_`` and ``intercept_``."""
    if weights:
        expect_array(f"{name}.coef_", model.get("coef_"), expected.coef_, tol, check_dtype=False)
        if np.ndim(expected.intercept_) == 0:
            expect_scalar(f"{name}.intercept_", model.get("intercept_"), float(expected.intercept_), tol)
        else:
            expect_array(f"{name}.intercept_", model.get("intercept_"), expected.intercept_, tol, check_dtype=False)
    expect_array(f"{name}.predict", model.predict(X_new), expected.predict(X_new), tol, check_dtype=False)
