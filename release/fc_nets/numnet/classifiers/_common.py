"""Pieces shared by the classifiers: input preparation and the weight penalty."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


def prepare_batch(X: np.ndarray, y: np.ndarray | None, dtype: Any) -> tuple[np.ndarray, str]:
    """Cast a minibatch to the model's dtype and pick the mode its labels imply.

    Returns ``(X, 'train')`` when labels are given, ``(X, 'test')`` otherwise.
    """
    X = np.asarray(X)
    if X.ndim < 2:
        raise ValueError(f"X must be a batch of examples with at least 2 dimensions, got shape {X.shape}")
    if y is not None and np.shape(y) != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X {X.shape}, got {np.shape(y)}")
    return X.astype(dtype, copy=False), "test" if y is None else "train"


def l2_penalty(reg: float, weights: Iterable[np.ndarray]) -> float:
    """``0.5 * reg * sum(W ** 2)`` summed over ``weights``."""
    penalty = 0.5 * reg * sum(float(np.sum(W * W)) for W in weights)
    return penalty
