"""Argument checks shared by the reference layers.

Every check raises :class:`ValueError` with a message that names the offending
values, so a wrong call fails at the layer boundary instead of deep inside NumPy.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def require_ndim(name: str, array: np.ndarray, ndim: int) -> None:
    """Fail unless ``array`` has exactly ``ndim`` dimensions."""
    if np.ndim(array) != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {np.shape(array)}")


def require_shape(name: str, array: np.ndarray, shape: tuple[int, ...]) -> None:
    """Fail unless ``array`` has exactly ``shape``."""
    if tuple(np.shape(array)) != tuple(shape):
        raise ValueError(f"{name} must have shape {tuple(shape)}, got {np.shape(array)}")


def require_labels(y: np.ndarray, num_samples: int, num_classes: int) -> np.ndarray:
    """Return ``y`` as an integer array of ``num_samples`` labels in ``[0, num_classes)``."""
    y = np.asarray(y)
    if y.shape != (num_samples,):
        raise ValueError(f"y must have shape ({num_samples},), got {y.shape}")
    if y.size and not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must hold integer class labels, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(
            f"labels must lie in [0, {num_classes}), got range [{y.min()}, {y.max()}]"
        )
    return y


def positive_int(params: Mapping[str, Any], key: str, default: int | None = None) -> int:
    """Read ``params[key]`` as a positive integer."""
    if key not in params and default is None:
        raise ValueError(f"missing parameter {key!r} (got keys {sorted(params)})")
    value = params.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{key} must be a positive integer, got {value!r}")
    return int(value)


def window_count(size: int, window: int, stride: int, what: str) -> int:
    """Number of window positions along an axis; fail when the stride does not fit."""
    if window > size:
        raise ValueError(f"{what}: window {window} is larger than the input size {size}")
    if (size - window) % stride:
        raise ValueError(
            f"{what}: stride {stride} does not fit input size {size} with window {window} "
            f"(({size} - {window}) % {stride} = {(size - window) % stride})"
        )
    return (size - window) // stride + 1


def mode_of(params: Mapping[str, Any], default: str | None = None) -> str:
    """Read the ``'mode'`` entry and check it is ``'train'`` or ``'test'``."""
    mode = params.get("mode", default)
    if mode not in ("train", "test"):
        raise ValueError(f"mode must be 'train' or 'test', got {mode!r}")
    return mode


class NotFittedError(ValueError, AttributeError):
    """A model or transformer was used before ``fit``."""
