"""Numeric gradients by centred differences, and the comparisons built on them.

The ``eval_*`` functions perturb their argument **in place** and restore it, so a
model's parameter array can be checked through a closure that ignores its argument
(``f = lambda _: model.loss(X, y)[0]``). :func:`directional_gradient_check` instead
costs two forward passes per random direction, whatever the input size.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


def rel_error(x: np.ndarray, y: np.ndarray) -> float:
    """Largest elementwise relative error ``|x - y| / max(1e-8, |x| + |y|)``."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def _centred_difference(f: Callable[[np.ndarray], object], x: np.ndarray, idx: tuple[int, ...], h: float) -> tuple[object, object]:
    """``(f(x + h e_idx), f(x - h e_idx))``, perturbing ``x`` in place and restoring it."""
    original = x[idx]
    try:
        x[idx] = original + h
        f_plus = f(x)
        x[idx] = original - h
        f_minus = f(x)
    finally:
        x[idx] = original
    return f_plus, f_minus


def eval_numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, verbose: bool = False, h: float = 1e-5
) -> np.ndarray:
    """Gradient of the scalar function ``f`` at ``x``, one element at a time.

    ``x`` is perturbed in place and restored before returning.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        f_plus, f_minus = _centred_difference(f, x, idx, h)
        grad[idx] = (f_plus - f_minus) / (2 * h)
        if verbose:
            print(idx, grad[idx])
    return grad


def eval_numerical_gradient_array(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, df: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    """Gradient of ``sum(f(x) * df)`` at ``x`` for an array-valued ``f``.

    ``df`` is the upstream gradient of ``f``'s output; ``x`` is perturbed in place
    and restored before returning.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        f_plus, f_minus = _centred_difference(lambda v: np.array(f(v), dtype=np.float64), x, idx, h)
        grad[idx] = np.sum((f_plus - f_minus) * df) / (2 * h)
    return grad


def grad_check_sparse(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    analytic_grad: np.ndarray,
    num_checks: int = 10,
    h: float = 1e-5,
    seed: int | None = None,
    verbose: bool = False,
) -> np.ndarray:
    """Compare ``analytic_grad`` with centred differences at ``num_checks`` random
    elements of ``x``; return the relative error at each.
    """
    rng = np.random.default_rng(seed)
    errors = np.empty(num_checks)
    for k in range(num_checks):
        idx = tuple(int(rng.integers(n)) for n in x.shape)
        f_plus, f_minus = _centred_difference(f, x, idx, h)
        numeric = (f_plus - f_minus) / (2 * h)
        errors[k] = rel_error(numeric, analytic_grad[idx])
        if verbose:
            print(f"{idx}: numerical {numeric:f} analytic {analytic_grad[idx]:f}, relative error {errors[k]:e}")
    return errors


@dataclass(frozen=True)
class DirectionalCheck:
    """Outcome of :func:`directional_gradient_check`.

    ``numeric[k]`` and ``analytic[k]`` are the two estimates of the directional
    derivative along the k-th random unit direction.
    """

    numeric: np.ndarray
    analytic: np.ndarray

    @property
    def rel_error(self) -> float:
        """Largest disagreement over the directions, relative to the largest
        directional derivative (so a direction along which the function barely
        changes does not inflate the error)."""
        scale = float(np.max(np.abs(self.numeric) + np.abs(self.analytic)))
        return float(np.max(np.abs(self.numeric - self.analytic)) / max(1e-8, scale))


def directional_gradient_check(
    f: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    dx: np.ndarray,
    dout: np.ndarray,
    num_directions: int = 8,
    h: float = 1e-5,
    seed: int | None = None,
) -> DirectionalCheck:
    """Check ``dx`` along random unit directions at the cost of ``2 * num_directions``
    evaluations of ``f``.

    For each direction ``v``, ``sum((f(x + h v) - f(x - h v)) * dout) / (2 h)`` must
    equal ``<dx, v>``, where ``dx`` is the claimed gradient of ``sum(f(x) * dout)``.
    ``x`` is not modified. Draw ``seed`` independently of the data: directions that
    are correlated with the input can make a normalization layer's directional
    derivative vanish.
    """
    if np.shape(dx) != np.shape(x):
        raise ValueError(f"dx must have the shape of x {np.shape(x)}, got {np.shape(dx)}")
    rng = np.random.default_rng(seed)
    x64 = np.asarray(x, dtype=np.float64)
    dout64 = np.asarray(dout, dtype=np.float64)
    numeric = np.empty(num_directions)
    analytic = np.empty(num_directions)
    for k in range(num_directions):
        v = rng.standard_normal(x64.shape)
        v /= np.linalg.norm(v)
        f_plus = np.asarray(f(x64 + h * v), dtype=np.float64)
        f_minus = np.asarray(f(x64 - h * v), dtype=np.float64)
        numeric[k] = np.sum((f_plus - f_minus) * dout64) / (2 * h)
        analytic[k] = np.sum(np.asarray(dx, dtype=np.float64) * v)
    return DirectionalCheck(numeric, analytic)
