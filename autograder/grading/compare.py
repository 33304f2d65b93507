"""Numeric comparison of a student's output with the expected one.

Failures raise :class:`Mismatch`, whose message describes the difference in
numbers only (shapes, dtypes, how many elements differ, the worst element's index
and errors) plus a diagnosis when the evidence supports one. Messages never show
the student's objects, the hidden inputs or the expected values.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograder.grading.diagnose import Diagnosis, diagnose


ROUNDING_SLACK = 64  # how much worse than the reference's own rounding a correct float32 result may be


@dataclass(frozen=True)
class Problem:
    """How an output differs from the expected one: a summary in numbers, the same numbers as
    data (``facts``: the worst element's index and errors, or the shapes...) and a likely cause."""

    summary: str
    facts: dict[str, Any] = field(default_factory=dict)
    diagnosis: Diagnosis | None = None

    def __str__(self) -> str:
        return f"{self.summary}. Likely cause: {self.diagnosis.text()}" if self.diagnosis else self.summary


class Mismatch(AssertionError):
    """A graded check failed; the message is safe to show to the student.

    ``diagnosis`` and ``case`` (which output failed, and how: see :attr:`Problem.facts`)
    travel with the message as data, into the check's record and results.json."""

    def __init__(self, message: str, diagnosis: Diagnosis | None = None, case: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.diagnosis = diagnosis
        self.case = dict(case or {})

    @classmethod
    def of(cls, output: str, problem: Problem, note: str = "") -> "Mismatch":
        """The mismatch of ``output`` (e.g. ``"dx"``) that ``problem`` describes, with an optional note."""
        return cls(f"{output}: {problem}" + (f". {note}" if note else ""), problem.diagnosis,
                   {"output": output, **problem.facts})


def kind_of(value: Any) -> str:
    """A short description of a value's kind, never its contents."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if value is None:
        return "None"
    type_name = getattr(value, "type_name", None) or type(value).__name__
    return f"a value of type {type_name}"


def relative_errors(actual: np.ndarray, expected: np.ndarray, floor: float = 0.0,
                    relative_floor: float = 1e-6) -> np.ndarray:
    """Elementwise ``|a - e| / max(|a| + |e|, floor)``.

    The floor (at least ``1e-8`` and ``relative_floor`` of the largest expected magnitude)
    keeps round-off on values that should be zero from counting as a large error.
    """
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    scale = float(np.max(np.abs(e))) if e.size else 0.0
    floor = max(floor, 1e-8, relative_floor * scale)
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
) -> Problem | None:
    """Describe how ``actual`` differs from ``expected``, or ``None`` when it matches.

    ``exact`` is the float64 value that a low-precision ``expected`` approximates
    (see :func:`rounding_floor`)."""
    expected = np.asarray(expected)
    if np.isscalar(actual) and expected.ndim == 0:
        actual = np.asarray(actual)
    if not isinstance(actual, np.ndarray):
        return Problem(f"expected an array of shape {expected.shape}, got {kind_of(actual)}", {"got": kind_of(actual)})
    if actual.dtype.kind not in "biuf":
        return Problem(f"expected a real-valued array, got dtype {actual.dtype}", {"dtype": str(actual.dtype)})
    if actual.shape != expected.shape:
        return Problem(f"shape {actual.shape}, expected {expected.shape}",
                       {"shape": list(actual.shape), "expected_shape": list(expected.shape)},
                       diagnose(actual, expected, tol, alternatives or {}))
    bad = ~np.isfinite(actual)
    if bad.any() and np.isfinite(expected).all():
        nan, inf = int(np.isnan(actual).sum()), int(np.isinf(actual).sum())
        return Problem(f"{nan} NaN and {inf} infinite values", {"nan": nan, "inf": inf})
    if check_dtype and actual.dtype != expected.dtype:
        return Problem(f"dtype {actual.dtype}, expected {expected.dtype} (keep the input's precision)",
                       {"dtype": str(actual.dtype), "expected_dtype": str(expected.dtype)})
    if actual.size == 0:
        return None
    errors = relative_errors(actual, expected, rounding_floor(expected, exact, tol))
    if float(errors.max()) <= tol:
        return None
    worst = tuple(int(i) for i in np.unravel_index(int(errors.argmax()), errors.shape))
    abs_error = float(np.abs(actual[worst].astype(np.float64) - expected[worst]))
    rel_error = float(errors[worst])
    count = int((errors > tol).sum())
    summary = (
        f"{count} of {errors.size} elements differ; worst at index {worst}: "
        f"abs error {abs_error:.3g}, rel error {rel_error:.3g} (tolerance {tol:.0e})"
    )
    facts = {"mismatched": count, "elements": int(errors.size), "index": list(worst), "abs_error": abs_error,
             "rel_error": rel_error, "tolerance": float(tol)}
    return Problem(summary, facts, diagnose(actual, expected, tol, alternatives or {}))


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
        raise Mismatch.of(name, problem)


def expect_scalar(name: str, actual: Any, expected: float, tol: float) -> None:
    """Raise :class:`Mismatch` unless the number ``actual`` matches ``expected``."""
    if isinstance(actual, np.ndarray) and actual.size == 1:
        actual = actual.reshape(())[()]
    if isinstance(actual, bool) or not isinstance(actual, (int, float, np.integer, np.floating)):
        raise Mismatch.of(name, Problem(f"expected a number, got {kind_of(actual)}", {"got": kind_of(actual)}))
    value = float(actual)
    if not np.isfinite(value):
        raise Mismatch.of(name, Problem(f"got a non-finite number ({value})"))
    error = abs(value - expected) / max(abs(value) + abs(expected), 1e-8)
    if error > tol:
        raise Mismatch.of(name, Problem(f"rel error {error:.3g} (tolerance {tol:.0e})",
                                        {"rel_error": error, "tolerance": float(tol)},
                                        diagnose(np.asarray(value), np.asarray(expected), tol, {})))


def expect_structure(name: str, actual: Any, length: int) -> tuple[Any, ...]:
    """Check that a function returned a tuple of ``length`` values; return it."""
    if not isinstance(actual, (tuple, list)) or len(actual) != length:
        got = f"{len(actual)} values" if isinstance(actual, (tuple, list)) else kind_of(actual)
        raise Mismatch(f"{name} must return {length} values, got {got}")
    return tuple(actual)
