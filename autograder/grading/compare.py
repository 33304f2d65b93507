"""Numeric comparison of a student's output with the expected one.

Failures raise :class:`Mismatch`, whose message describes the difference in
numbers only (shapes, dtypes, how many elements differ, the worst element's index
and errors) plus a diagnosis when the evidence supports one. Messages never show
the student's objects, the hidden inputs or the expected values.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autograder.grading.diagnose import diagnose


ROUNDING_SLACK = 64  # how much worse than the reference's own rounding a correct float32 result may be


class Mismatch(AssertionError):
    """A graded check failed; the message is safe to show to the student."""


def kind_of(value: Any) -> str:
    """A short description of a value's kind, never its contents."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if value is None:
        return "None"
    type_name = getattr(value, "type_name", None) or type(value).__name__
    return f"a value of type {type_name}"


def relative_errors(actual: np.ndarray, expected: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """Elementwise ``|a - e| / max(|a| + |e|, floor)``.

    The floor (at least ``1e-8`` and one millionth of the largest expected magnitude)
    keeps round-off on values that should be zero from counting as a large error.
    """
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    scale = float(np.max(np.abs(e))) if e.size else 0.0
    floor = max(floor, 1e-8, 1e-6 * scale)
    return np.abs(a - e) / np.maximum(np.abs(a) + np.abs(e), floor)


def rounding_floor(expected: np.ndarray, exact: np.ndarray | None, tol: float) -> float:
    """The floor of :func:`relative_errors` that forgives rounding: ``ROUNDING_SLACK`` times the
    largest rounding error of the reference's own low-precision result ``expected`` against
    ``exact``, the same computation in float64. Cancellation (an output near zero made of large
    intermediate values) rounds every implementation's float32 result alike, whatever the order
    of its operations; an error of that size is never counted against the student."""
    if exact is None or np.shape(exact) != expected.shape:
        return 0.0
    noise = np.abs(expected.astype(np.float64) - np.asarray(exact, dtype=np.float64))
    return ROUNDING_SLACK * float(np.max(noise, initial=0.0)) / tol


def array_problems(
    actual: Any,
    expected: np.ndarray,
    tol: float,
    check_dtype: bool = True,
    alternatives: Mapping[str, np.ndarray] | None = None,
    exact: np.ndarray | None = None,
) -> str | None:
    """Describe how ``actual`` differs from ``expected``, or ``None`` when it matches.

    ``exact`` is the float64 value that a low-precision ``expected`` approximates
    (see :func:`rounding_floor`)."""
    expected = np.asarray(expected)
    if np.isscalar(actual) and expected.ndim == 0:
        actual = np.asarray(actual)
    if not isinstance(actual, np.ndarray):
        return f"expected an array of shape {expected.shape}, got {kind_of(actual)}"
    if actual.dtype.kind not in "biuf":
        return f"expected a real-valued array, got dtype {actual.dtype}"
    if actual.shape != expected.shape:
        return _with_diagnosis(f"shape {actual.shape}, expected {expected.shape}", actual, expected, tol, alternatives)
    bad = ~np.isfinite(actual)
    if bad.any() and np.isfinite(expected).all():
        return f"{int(np.isnan(actual).sum())} NaN and {int(np.isinf(actual).sum())} infinite values"
    if check_dtype and actual.dtype != expected.dtype:
        return f"dtype {actual.dtype}, expected {expected.dtype} (keep the input's precision)"
    if actual.size == 0:
        return None
    errors = relative_errors(actual, expected, rounding_floor(expected, exact, tol))
    if float(errors.max()) <= tol:
        return None
    worst = np.unravel_index(int(errors.argmax()), errors.shape)
    abs_error = float(np.abs(actual[worst].astype(np.float64) - expected[worst]))
    count = int((errors > tol).sum())
    summary = (
        f"{count} of {errors.size} elements differ; worst at index {tuple(int(i) for i in worst)}: "
        f"abs error {abs_error:.3g}, rel error {float(errors[worst]):.3g} (tolerance {tol:.0e})"
    )
    return _with_diagnosis(summary, actual, expected, tol, alternatives)


def _with_diagnosis(summary: str, actual: np.ndarray, expected: np.ndarray, tol: float,
                    alternatives: Mapping[str, np.ndarray] | None) -> str:
    hint = diagnose(actual, expected, tol, alternatives or {})
    return f"{summary}. Likely cause: {hint}" if hint else summary


def expect_array(
    name: str,
    actual: Any,
    expected: np.ndarray,
    tol: float,
    check_dtype: bool = True,
    alternatives: Mapping[str, np.ndarray] | None = None,
    exact: np.ndarray | None = None,
) -> None:
    """Raise :class:`Mismatch` unless ``actual`` matches ``expected`` within ``tol``."""
    problem = array_problems(actual, expected, tol, check_dtype, alternatives, exact)
    if problem:
        raise Mismatch(f"{name}: {problem}")


def expect_scalar(name: str, actual: Any, expected: float, tol: float) -> None:
    """Raise :class:`Mismatch` unless the number ``actual`` matches ``expected``."""
    if isinstance(actual, np.ndarray) and actual.size == 1:
        actual = actual.reshape(())[()]
    if isinstance(actual, bool) or not isinstance(actual, (int, float, np.integer, np.floating)):
        raise Mismatch(f"{name}: expected a number, got {kind_of(actual)}")
    value = float(actual)
    if not np.isfinite(value):
        raise Mismatch(f"{name}: got a non-finite number ({value})")
    error = abs(value - expected) / max(abs(value) + abs(expected), 1e-8)
    if error > tol:
        hint = diagnose(np.asarray(value), np.asarray(expected), tol, {})
        raise Mismatch(f"{name}: rel error {error:.3g} (tolerance {tol:.0e})" + (f". Likely cause: {hint}" if hint else ""))


def expect_structure(name: str, actual: Any, length: int) -> tuple[Any, ...]:
    """Check that a function returned a tuple of ``length`` values; return it."""
    if not isinstance(actual, (tuple, list)) or len(actual) != length:
        got = f"{len(actual)} values" if isinstance(actual, (tuple, list)) else kind_of(actual)
        raise Mismatch(f"{name} must return {length} values, got {got}")
    return tuple(actual)
