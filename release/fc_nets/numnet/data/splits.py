"""Helpers shared by the image data sets."""
from __future__ import annotations

import numpy as np

SPLITS = ("train", "val", "test")


def check_split_sizes(**sizes: int) -> None:
    """Fail unless every size is a non-negative integer."""
    bad = {k: v for k, v in sizes.items() if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0}
    if bad:
        raise ValueError(f"split sizes must be non-negative integers, got {bad}")


def subtract_training_mean(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Subtract the mean training image from ``X_train``, ``X_val`` and ``X_test`` (new arrays)."""
    mean_image = data["X_train"].mean(axis=0)
    return {**data, **{f"X_{s}": data[f"X_{s}"] - mean_image for s in SPLITS}}
