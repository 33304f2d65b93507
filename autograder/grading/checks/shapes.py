"""Expected keys and shapes: a dict of arrays (a model's params or grads, a layer's cache) as the reference has it."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from autograder.grading.compare import Mismatch


def expect_keys(name: str, value: Any, expected: Mapping[str, Any]) -> None:
    """Fail unless ``value`` is a dict with exactly the keys of ``expected``."""
    if not isinstance(value, dict) or set(value) != set(expected):
        got = sorted(value) if isinstance(value, dict) else "no dict"
        raise Mismatch(f"{name}: expected the keys {sorted(expected)}, got {got}")


def expect_shapes(name: str, value: Any, expected: Mapping[str, np.ndarray]) -> None:
    """Fail unless ``value`` has the keys of ``expected`` and an array of the same shape under each."""
    expect_keys(name, value, expected)
    for key in sorted(expected):
        got, wanted = value[key], np.shape(expected[key])
        if not isinstance(got, np.ndarray) or got.shape != wanted:
            shown = got.shape if isinstance(got, np.ndarray) else type(got).__name__
            raise Mismatch(f"{name}['{key}'] must have shape {wanted}, got {shown}")
