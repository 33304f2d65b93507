"""Linear regression fitted in closed form or by gradient descent.

All models share the scikit-learn style: ``fit(X, y)`` returns the model,
``predict(X)`` returns predictions shaped like the ``y`` given to ``fit``
(``(m,)`` or ``(m, k)``), and the fitted weights are ``coef_`` (``(n,)`` or
``(n, k)``) and ``intercept_`` (scalar or ``(k,)``).

Rules
-----
- ``linear.shapes``: every model fits ``y`` of shape ``(m,)`` or ``(m, k)``; ``coef_``,
  ``intercept_`` and predictions take the shapes above.
"""
from __future__ import annotations

import numpy as np
from ._validate import NotFittedError


def _check_xy(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``X`` as a float (m, n) matrix and ``y`` as a float (m, k) matrix."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_examples, n_features), got shape {X.shape}")
    if y.ndim not in (1, 2) or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have shape ({X.shape[0]},) or ({X.shape[0]}, k) to match X {X.shape}, got {y.shape}")
    if X.shape[0] == 0:
        raise ValueError("cannot fit on zero examples")
    return X, y.reshape(X.shape[0], -1)


class _LinearModel:
    """Prediction and weight bookkeeping shared by the regressors."""

    def _store(self, W: np.ndarray, b: np.ndarray, y_ndim: int) -> None:
        """Keep weights ``W`` (n, k) and bias ``b`` (k,) in the shape of the fitted ``y``."""
        self.coef_ = W[:, 0] if y_ndim == 1 else W
        self.intercept_ = float(b[0]) if y_ndim == 1 else b

    def predict(self, X: np.ndarray) -> np.ndarray:
        """``X @ coef_ + intercept_``."""
        if not hasattr(self, "coef_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(X, y) first")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.coef_.shape[0]:
            raise ValueError(f"X must have shape (m, {self.coef_.shape[0]}), got {X.shape}")
        return X @ self.coef_ + self.intercept_


class LinearRegression(_LinearModel):
    """Ordinary least squares with an intercept, solved in closed form.

    Solves ``min ||[X 1] W - y||^2`` with :func:`numpy.linalg.lstsq`, which also
    copes with rank-deficient ``X`` (duplicated or constant columns, fewer
    examples than features) by returning the minimum-norm solution.

    Rules
    -----
    - ``linear.fit``: ``coef_`` and ``intercept_`` minimise the squared error on the
      training data.
    - ``linear.rank_deficient``: with rank-deficient ``X`` the model still fits, and its
      predictions on the training examples (and on new data in the span of ``X``) are
      the least-squares ones.
    """

    def fit(self, X: np.ndarray, y: np.ndarray) -> LinearRegression:
        """Fit on ``X`` (m, n) and ``y`` (m,) or (m, k); returns ``self``."""
        X, Y = _check_xy(X, y)
        ### BEGIN SOLUTION
        A = np.hstack([X, np.ones((X.shape[0], 1))])
        W = np.linalg.lstsq(A, Y, rcond=None)[0]
        ### END SOLUTION
        self._store(W[:-1], W[-1], np.ndim(y))
        return self


class RidgeRegression(_LinearModel):
    """Least squares with an L2 penalty on the weights, solved in closed form.

    Minimises ``||X w + b - y||^2 + alpha * ||w||^2``. The intercept ``b`` is
    **not** penalised, so shifting ``y`` by a constant shifts the predictions by
    the same constant whatever ``alpha`` is.

    Parameters
    ----------
    alpha : float
        Penalty strength, ``>= 0``; 0 gives :class:`LinearRegression`'s fit.

    Rules
    -----
    - ``ridge.fit``: ``coef_`` and ``intercept_`` minimise the objective above, for any
      ``alpha >= 0``.
    - ``ridge.intercept``: the intercept is not penalised, so adding a constant to ``y``
      adds it to the predictions.
    """

    def __init__(self, alpha: float = 1.0) -> None:
        if not alpha >= 0:
            raise ValueError(f"alpha must be non-negative, got {alpha!r}")
        self.alpha = alpha

    def fit(self, X: np.ndarray, y: np.ndarray) -> RidgeRegression:
        """Fit on ``X`` (m, n) and ``y`` (m,) or (m, k); returns ``self``."""
        X, Y = _check_xy(X, y)
        ### BEGIN SOLUTION
        # Centring removes the intercept from the problem; the penalty then acts
        # on w alone. Appending sqrt(alpha) * I rows turns the penalty into
        # extra least-squares residuals, which stays solvable when alpha = 0.
        x_mean, y_mean = X.mean(axis=0), Y.mean(axis=0)
        n = X.shape[1]
        A = np.vstack([X - x_mean, np.sqrt(self.alpha) * np.eye(n)])
        B = np.vstack([Y - y_mean, np.zeros((n, Y.shape[1]))])
        W = np.linalg.lstsq(A, B, rcond=None)[0]
        b = y_mean - x_mean @ W
        ### END SOLUTION
        self._store(W, b, np.ndim(y))
        return self


class GradientDescentRegressor(_LinearModel):
    """Linear regression trained by full-batch, mini-batch or stochastic gradient descent.

    The training objective over the ``m`` training examples is::

        J(w, b) = 1 / (2 m) * (||X w + b - y||^2 + alpha * ||w||^2)

    so its minimiser is :class:`RidgeRegression` ``(alpha)`` (the intercept is not
    penalised). A step on a minibatch of ``B`` examples uses the gradient of
    ``1 / (2 B) * ||X_B w + b - y_B||^2 + alpha / (2 m) * ||w||^2``, whose
    average over an epoch's batches is the full gradient of ``J``. Weights start
    at zero.

    Parameters
    ----------
    learning_rate : float
    epochs : int
        Passes over the training data.
    batch_size : int or None
        Examples per step: None for full batch, 1 for stochastic descent.
    shuffle : bool
        Visit the examples in a new random order every epoch.
    seed : int or None
        Seed of the shuffling.
    alpha : float
        Ridge penalty strength (0: plain least squares).

    Attributes
    ----------
    loss_history : list of float
        ``J`` on the training data after every epoch.
    val_loss_history : list of float
        ``1 / (2 m_val) * ||X_val w + b - y_val||^2`` after every epoch, when
        validation data is passed to :meth:`fit` (the penalty is left out).

    Rules
    -----
    - ``gd.step``: weights start at zero; each epoch visits the examples in consecutive
      minibatches of ``batch_size`` (the last may be smaller) and takes one step of the
      minibatch gradient above per minibatch.
    - ``gd.history``: ``loss_history`` and ``val_loss_history`` hold one value per epoch,
      as defined above.
    - ``gd.shuffle``: with ``shuffle=True`` every epoch visits the examples in a new
      random order (reproducible with ``seed``); with ``False``, in their given order.
    - ``gd.objective``: full-batch descent with a suitable learning rate converges to
      the :class:`RidgeRegression` ``(alpha)`` solution.
    """

    def __init__(
        self,
        learning_rate: float = 0.01,
        epochs: int = 100,
        batch_size: int | None = None,
        shuffle: bool = True,
        seed: int | None = None,
        alpha: float = 0.0,
    ) -> None:
        if not learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {learning_rate!r}")
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
            raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
            raise ValueError(f"batch_size must be None or a positive integer, got {batch_size!r}")
        if not alpha >= 0:
            raise ValueError(f"alpha must be non-negative, got {alpha!r}")
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.alpha = alpha

    def _objective(self, X: np.ndarray, Y: np.ndarray, W: np.ndarray, b: np.ndarray, m_total: int) -> float:
        """``1/(2m) * ||X W + b - Y||^2 + alpha/(2 m_total) * ||W||^2`` with ``m = len(X)``."""
        ### BEGIN SOLUTION
        residual = X @ W + b - Y
        value = float(np.sum(residual**2) / (2 * X.shape[0]) + self.alpha * np.sum(W**2) / (2 * m_total))
        ### END SOLUTION
        return value

    def _step(
        self, X: np.ndarray, Y: np.ndarray, W: np.ndarray, b: np.ndarray, m_total: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """One gradient step of :meth:`_objective` on the minibatch ``(X, Y)``; returns new ``W, b``."""
        ### BEGIN SOLUTION
        residual = X @ W + b - Y
        dW = X.T @ residual / X.shape[0] + self.alpha * W / m_total
        db = residual.mean(axis=0)
        W, b = W - self.learning_rate * dW, b - self.learning_rate * db
        ### END SOLUTION
        return W, b

    def fit(
        self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None = None, y_val: np.ndarray | None = None
    ) -> GradientDescentRegressor:
        """Train on ``X`` (m, n) and ``y`` (m,) or (m, k); returns ``self``.

        ``X_val`` and ``y_val`` (both or neither) fill :attr:`val_loss_history`.
        """
        X, Y = _check_xy(X, y)
        if (X_val is None) != (y_val is None):
            raise ValueError("pass both X_val and y_val, or neither")
        validation = None if X_val is None else _check_xy(X_val, y_val)
        if validation is not None and validation[0].shape[1] != X.shape[1]:
            raise ValueError(f"X_val has {validation[0].shape[1]} features, X has {X.shape[1]}")
        m = X.shape[0]
        batch = m if self.batch_size is None else min(self.batch_size, m)
        rng = np.random.default_rng(self.seed)
        self.loss_history: list[float] = []
        self.val_loss_history: list[float] = []
        ### BEGIN SOLUTION
        W, b = np.zeros((X.shape[1], Y.shape[1])), np.zeros(Y.shape[1])
        for _ in range(self.epochs):
            order = rng.permutation(m) if self.shuffle else np.arange(m)
            for start in range(0, m, batch):
                rows = order[start : start + batch]
                W, b = self._step(X[rows], Y[rows], W, b, m)
            self.loss_history.append(self._objective(X, Y, W, b, m))
            if validation is not None:  # an infinite m_total leaves the penalty out
                self.val_loss_history.append(self._objective(*validation, W, b, np.inf))
        ### END SOLUTION
        self._store(W, b, np.ndim(y))
        return self
