"""Input generator of the linear_regression checks: regression problems."""
from __future__ import annotations

import numpy as np


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
