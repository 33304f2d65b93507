"""Feature scaling fitted on training data only."""
from __future__ import annotations

import numpy as np
from ._validate import NotFittedError


class Standardizer:
    """Shift and scale every feature to zero mean and unit variance.

    The mean and the population standard deviation (``ddof=0``) are measured by
    :meth:`fit` on the training data and reused unchanged by :meth:`transform`,
    so validation and test data never influence them. A constant feature gets a
    scale of 1: it becomes all zeros instead of NaN.

    Attributes
    ----------
    mean_ : ndarray, shape (n_features,)
    scale_ : ndarray, shape (n_features,)

    Rules
    -----
    - ``standardizer.fit``: :meth:`transform` maps any data with the mean and population
      standard deviation of the data given to :meth:`fit`; constant features become 0.
    - ``standardizer.inverse``: :meth:`inverse_transform` computes ``Z * scale_ + mean_``,
      so it undoes :meth:`transform`.
    - ``standardizer.unfitted``: :meth:`transform` on a Standardizer that was never fitted
      raises ``NotFittedError`` (the provided ``_check`` does: keep calling it).
    """

    def fit(self, X: np.ndarray) -> Standardizer:
        """Measure each column's mean and standard deviation; returns ``self``."""
        X = _as_matrix(X)
        if X.shape[0] == 0:
            raise ValueError("cannot fit a Standardizer on zero examples")
        raise NotImplementedError("not implemented yet")
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """``(X - mean_) / scale_`` as a new array."""
        X = self._check(X)
        raise NotImplementedError("not implemented yet")
        return Z

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        """Undo :meth:`transform`: ``Z * scale_ + mean_``."""
        Z = self._check(Z)
        raise NotImplementedError("not implemented yet")
        return X

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        """:meth:`fit` on ``X``, then :meth:`transform` it."""
        return self.fit(X).transform(X)

    def _check(self, X: np.ndarray) -> np.ndarray:
        if not hasattr(self, "mean_"):
            raise NotFittedError("this Standardizer is not fitted yet; call fit(X_train) before transforming data")
        X = _as_matrix(X)
        if X.shape[1] != self.mean_.shape[0]:
            raise ValueError(f"X has {X.shape[1]} features but the Standardizer was fitted on {self.mean_.shape[0]}")
        return X


def _as_matrix(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_examples, n_features), got shape {X.shape}")
    return X
