"""Input generators of the linear_regression checks: regression problems, metric targets and predictions."""
from __future__ import annotations

import numpy as np

MSE_RANGE = (2.0, 4.0)  # the mean squared error of drawn predictions


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


def targets_and_predictions(rng: np.random.Generator, outputs: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Targets and predictions whose errors take both signs (a metric that drops the
    absolute value or the square of the errors never matches by luck) and whose mean
    squared error lies in :data:`MSE_RANGE`: never 1, so a root mean squared error without the
    root can't match, and above 1, so the mean absolute error (at most the root of the
    mean squared error) is always smaller than the mean squared error."""
    shape = (int(rng.integers(4, 12)),) + (() if outputs is None else (outputs,))
    y_true = 3.0 * rng.standard_normal(shape) + 1.0
    error = rng.standard_normal(shape)
    error.flat[:2] = rng.uniform(0.5, 2.0, 2) * [1, -1]
    error *= np.sqrt(rng.uniform(*MSE_RANGE) / np.mean(error**2))
    return y_true, y_true + error
