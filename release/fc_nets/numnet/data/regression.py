"""Regression data sets for the linear-model assignment, all offline.

- :func:`load_libsvm_regression` reads a LIBSVM/svmlight file such as the
  ``housing_scale`` file, when the instructor has it on disk;
- :func:`load_diabetes_regression` uses the diabetes data bundled with
  scikit-learn (442 examples, 10 features), so nothing has to be fetched;
- :func:`train_val_test_split` cuts either into three parts.
"""
from __future__ import annotations

import os

import numpy as np
from sklearn.datasets import load_diabetes, load_svmlight_file
from sklearn.model_selection import train_test_split


def load_libsvm_regression(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` from an svmlight/LIBSVM file: dense float64 ``X`` (m, n), ``y`` (m,)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"LIBSVM file not found: {os.path.abspath(path)}")
    X, y = load_svmlight_file(str(path))
    return X.toarray(), np.asarray(y, dtype=np.float64)


def load_diabetes_regression() -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of scikit-learn's bundled diabetes data: X (442, 10), y (442,)."""
    X, y = load_diabetes(return_X_y=True)
    return X, y


def train_val_test_split(
    X: np.ndarray, y: np.ndarray, test_size: float = 0.33, val_size: float = 0.2, seed: int = 42
) -> dict[str, np.ndarray]:
    """Shuffle and split into ``X_train, y_train, X_val, y_val, X_test, y_test``.

    ``test_size`` is the fraction of all examples held out for testing;
    ``val_size`` the fraction of the remaining ones held out for validation.
    """
    for name, fraction in (("test_size", test_size), ("val_size", val_size)):
        if not 0 < fraction < 1:
            raise ValueError(f"{name} must lie strictly between 0 and 1, got {fraction!r}")
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=test_size, random_state=seed)
    X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, test_size=val_size, random_state=seed)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val, "X_test": X_test, "y_test": y_test}
