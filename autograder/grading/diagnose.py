"""Likely causes of a mismatch, inferred from the numbers alone.

Each rule tests one hypothesis about how the student's array relates to the
expected one and is reported only when it explains the difference within the
tolerance; otherwise no diagnosis is given.
"""
from __future__ import annotations

import itertools
from collections.abc import Mapping
from fractions import Fraction

import numpy as np


def _close(a: np.ndarray, b: np.ndarray, tol: float) -> bool:
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    scale = max(float(np.max(np.abs(b))) if b.size else 0.0, 1e-12)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= max(tol, 1e-9) * (np.abs(a) + np.abs(b)) + 1e-9 * scale))


def _factor_hint(k: float) -> str | None:
    """Describe a scale factor that is exactly a simple fraction (such as 2, 1/N or 3/4);
    any other factor explains nothing, so it gets no description."""
    fraction = Fraction(k).limit_denominator(64)
    if abs(float(fraction) - k) > 1e-8 * abs(k) or abs(fraction.numerator) > 1024:
        return None
    if fraction == -1:
        return "the sign is flipped"
    if fraction.denominator == 1:
        return f"off by a constant factor of {fraction.numerator} (a missing division, e.g. by N?)"
    if fraction.numerator == 1:
        return f"off by a constant factor of 1/{fraction.denominator} (an extra division, e.g. by N?)"
    return f"off by a constant factor of {fraction.numerator}/{fraction.denominator}"


def _scale(actual: np.ndarray, expected: np.ndarray, tol: float) -> str | None:
    e = expected.astype(np.float64).ravel()
    a = actual.astype(np.float64).ravel()
    denom = float(e @ e)
    if denom == 0:
        return None
    k = float(a @ e) / denom
    if k == 0 or abs(k - 1) < 1e-6 or not _close(actual, k * expected, tol):
        return None
    return _factor_hint(k)


def _permutation(actual: np.ndarray, expected: np.ndarray, tol: float) -> str | None:
    if expected.ndim < 2 or expected.ndim > 5 or sorted(actual.shape) != sorted(expected.shape):
        return None
    for axes in itertools.permutations(range(expected.ndim)):
        if axes == tuple(range(expected.ndim)):
            continue
        candidate = expected.transpose(axes)
        if candidate.shape == actual.shape and _close(actual, candidate, tol):
            return f"the right values with the axes permuted as {axes} (a missing or extra transpose?)"
        if candidate.size == actual.size and _close(actual, candidate.reshape(actual.shape), tol):
            return f"the right values laid out in another order: a reshape without the transpose {axes}?"
    return None


def _reordered(actual: np.ndarray, expected: np.ndarray, tol: float) -> str | None:
    if actual.size != expected.size or actual.size < 2:
        return None
    if _close(np.sort(actual.ravel()), np.sort(expected.ravel()), tol):
        return "the right values in the wrong places (a reshape or transpose mix-up?)"
    return None


def diagnose(actual: np.ndarray, expected: np.ndarray, tol: float, alternatives: Mapping[str, np.ndarray]) -> str | None:
    """The most specific explanation of ``actual`` given ``expected``, if any.

    ``alternatives`` maps a description to what a known mistake would output
    (e.g. ``"statistics over the wrong axis"``); a match names that mistake.
    """
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    if actual.dtype.kind not in "biuf" or not np.isfinite(actual).all():
        return None
    for label, candidate in alternatives.items():
        if _close(actual, np.asarray(candidate), tol):
            return label
    if actual.shape != expected.shape:
        return _permutation(actual, expected, tol) or (
            f"wrong output size: {actual.size} elements instead of {expected.size}" if actual.size != expected.size else None
        )
    if expected.size and not actual.any() and expected.any():
        return "the output is all zeros"
    return _scale(actual, expected, tol) or _permutation(actual, expected, tol) or _reordered(actual, expected, tol)
