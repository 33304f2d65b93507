"""Error and accuracy measures comparing targets with predictions.

Rules
-----
- ``metrics.values``: every metric takes ``y_true`` and ``y_pred`` of the same shape,
  ``(m,)`` or ``(m, k)``, and averages over all their entries, as each docstring says.
"""
from __future__ import annotations

import numpy as np


def _pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both arrays, which must have the same non-empty shape (no silent broadcasting)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same shape, got {y_true.shape} and {y_pred.shape}")
    if y_true.size == 0:
        raise ValueError("y_true and y_pred are empty")
    return y_true, y_pred


def mean_absolute_error(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean of ``|y_true - y_pred|`` over all entries."""
    y_true, y_pred = _pair(y_true, y_pred)
    raise NotImplementedError("not implemented yet")
    return error


def mean_squared_error(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean of ``(y_true - y_pred) ** 2`` over all entries."""
    y_true, y_pred = _pair(y_true, y_pred)
    raise NotImplementedError("not implemented yet")
    return error


def root_mean_squared_error(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Square root of :func:`mean_squared_error`."""
    return float(np.sqrt(mean_squared_error(y_true, y_pred)))


def r2_score(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot`` over all entries.

    1 is a perfect fit, 0 is no better than predicting the mean; when the
    targets are constant the score is 1 for a perfect fit and 0 otherwise.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    raise NotImplementedError("not implemented yet")
    return score


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Fraction of entries where the predicted label equals the true one."""
    y_true, y_pred = _pair(y_true, y_pred)
    score = float(np.mean(y_true == y_pred))
    return score
