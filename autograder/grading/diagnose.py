"""Likely causes of a mismatch, inferred from the numbers alone.

Each rule tests one hypothesis about how the student's array relates to the
expected one and is reported only when it explains the difference within the
tolerance; otherwise no diagnosis is given. A diagnosis is data (a
:class:`Diagnosis`: its kind and value); the sentence a student reads is
rendered from it, and reports group mistakes by :attr:`Diagnosis.mistake`.
"""
from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from typing import Any

import numpy as np

#: Scale factors are described only when they are fractions with at most this denominator...
MAX_DENOMINATOR = 64
#: ... and at most this numerator (anything else explains nothing).
MAX_NUMERATOR = 1024
#: Relative distance within which a least-squares scale factor counts as that fraction.
FRACTION_TOLERANCE = 1e-8
#: Diagnoses by axis permutation are tried for arrays of at most this many dimensions.
MAX_PERMUTED_DIMS = 5


class DiagnosisKind(str, Enum):
    """What relates a wrong output to the expected one."""

    KNOWN_MISTAKE = "known_mistake"  # value: the suite's description of the mistake
    SIGN_FLIPPED = "sign_flipped"
    SCALE_FACTOR = "scale_factor"  # value: the factor, e.g. "2" or "1/4"
    PERMUTED_AXES = "permuted_axes"  # value: the permutation, e.g. "(1, 0)"
    RESHAPED = "reshaped"  # value: the transpose a reshape left out
    REORDERED = "reordered"
    WRONG_SIZE = "wrong_size"  # value: "<actual> instead of <expected>" elements
    ALL_ZEROS = "all_zeros"

    def __str__(self) -> str:
        return self.value


#: How a mistake of each kind is named when students are counted together (the value left out).
MISTAKES = {
    DiagnosisKind.SIGN_FLIPPED: "the sign is flipped",
    DiagnosisKind.SCALE_FACTOR: "off by a constant factor",
    DiagnosisKind.PERMUTED_AXES: "axes permuted (a missing or extra transpose)",
    DiagnosisKind.RESHAPED: "a reshape without the transpose",
    DiagnosisKind.REORDERED: "the right values in the wrong places",
    DiagnosisKind.WRONG_SIZE: "wrong output size",
    DiagnosisKind.ALL_ZEROS: "the output is all zeros",
}


@dataclass(frozen=True)
class Diagnosis:
    """A likely cause of a mismatch: its kind and, for some kinds, a value."""

    kind: DiagnosisKind
    value: str = ""

    @property
    def mistake(self) -> str:
        """The mistake without its particulars, so that "factor of 2" and "factor of 64" count as one."""
        return self.value if self.kind is DiagnosisKind.KNOWN_MISTAKE else MISTAKES[self.kind]

    def text(self) -> str:
        """The sentence shown to the student."""
        kind, value = self.kind, self.value
        if kind is DiagnosisKind.SCALE_FACTOR:
            return f"off by a constant factor of {value}" + _division_hint(Fraction(value))
        if kind is DiagnosisKind.PERMUTED_AXES:
            return f"the right values with the axes permuted as {value} (a missing or extra transpose?)"
        if kind is DiagnosisKind.RESHAPED:
            return f"the right values laid out in another order: a reshape without the transpose {value}?"
        if kind is DiagnosisKind.REORDERED:
            return f"{MISTAKES[kind]} (a reshape or transpose mix-up?)"
        if kind is DiagnosisKind.WRONG_SIZE:
            return f"wrong output size: {value} elements"
        return self.mistake

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "value": self.value}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Diagnosis":
        return cls(DiagnosisKind(data["kind"]), str(data.get("value", "")))


def _division_hint(factor: Fraction) -> str:
    if factor.denominator == 1:
        return " (a missing division, e.g. by N?)"
    if factor.numerator == 1:
        return " (an extra division, e.g. by N?)"
    return ""


def _close(a: np.ndarray, b: np.ndarray, tol: float) -> bool:
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    scale = max(float(np.max(np.abs(b))) if b.size else 0.0, 1e-12)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= max(tol, 1e-9) * (np.abs(a) + np.abs(b)) + 1e-9 * scale))


def _factor(k: float) -> Diagnosis | None:
    """A scale factor that is exactly a simple fraction (such as 2, 1/N or 3/4); any other
    factor explains nothing, so it gets no diagnosis."""
    fraction = Fraction(k).limit_denominator(MAX_DENOMINATOR)
    if abs(float(fraction) - k) > FRACTION_TOLERANCE * abs(k) or abs(fraction.numerator) > MAX_NUMERATOR:
        return None
    if fraction == -1:
        return Diagnosis(DiagnosisKind.SIGN_FLIPPED)
    return Diagnosis(DiagnosisKind.SCALE_FACTOR, str(fraction))


def _scale(actual: np.ndarray, expected: np.ndarray, tol: float) -> Diagnosis | None:
    e = expected.astype(np.float64).ravel()
    a = actual.astype(np.float64).ravel()
    denom = float(e @ e)
    if denom == 0:
        return None
    k = float(a @ e) / denom
    if k == 0 or abs(k - 1) < 1e-6 or not _close(actual, k * expected, tol):
        return None
    return _factor(k)


def _permutation(actual: np.ndarray, expected: np.ndarray, tol: float) -> Diagnosis | None:
    if expected.ndim < 2 or expected.ndim > MAX_PERMUTED_DIMS or sorted(actual.shape) != sorted(expected.shape):
        return None
    for axes in itertools.permutations(range(expected.ndim)):
        if axes == tuple(range(expected.ndim)):
            continue
        candidate = expected.transpose(axes)
        if candidate.shape == actual.shape and _close(actual, candidate, tol):
            return Diagnosis(DiagnosisKind.PERMUTED_AXES, str(axes))
        if candidate.size == actual.size and _close(actual, candidate.reshape(actual.shape), tol):
            return Diagnosis(DiagnosisKind.RESHAPED, str(axes))
    return None


def _reordered(actual: np.ndarray, expected: np.ndarray, tol: float) -> Diagnosis | None:
    if actual.size != expected.size or actual.size < 2:
        return None
    if _close(np.sort(actual.ravel()), np.sort(expected.ravel()), tol):
        return Diagnosis(DiagnosisKind.REORDERED)
    return None


def diagnose(actual: np.ndarray, expected: np.ndarray, tol: float,
             alternatives: Mapping[str, np.ndarray]) -> Diagnosis | None:
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
            return Diagnosis(DiagnosisKind.KNOWN_MISTAKE, label)
    if actual.shape != expected.shape:
        return _permutation(actual, expected, tol) or (
            Diagnosis(DiagnosisKind.WRONG_SIZE, f"{actual.size} instead of {expected.size}")
            if actual.size != expected.size else None
        )
    if expected.size and not actual.any() and expected.any():
        return Diagnosis(DiagnosisKind.ALL_ZEROS)
    return _scale(actual, expected, tol) or _permutation(actual, expected, tol) or _reordered(actual, expected, tol)
