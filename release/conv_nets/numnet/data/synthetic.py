"""A procedurally drawn image-classification set with CIFAR-10's layout.

Each image is one object on a dark, shaded background: the class fixes the
object's shape (disc, square, ...) or texture (bars, checkerboard, dots) and
pulls its colour towards one of five hues, while its position, size, tilt, exact
colour, background and pixel noise are random. Every hue is shared by two
classes, so colour narrows an image down to a pair and the shape or texture has
to decide between them.
"""
from __future__ import annotations

import numpy as np

from .splits import check_split_sizes, subtract_training_mean

class_names = (
    "disc", "square", "triangle", "ring", "cross",
    "horizontal bars", "vertical bars", "diagonal bars", "checkerboard", "dots",
)

IMAGE_SIZE = 32
#: Five hues (RGB, 0..255); each is shared by one shape class and one texture class.
HUES = np.array([[220, 60, 60], [60, 200, 60], [70, 90, 230], [220, 200, 50], [200, 70, 210]], dtype=np.float64)
#: Hue each class's colour is pulled towards.
CLASS_HUES = HUES[np.arange(len(class_names)) % len(HUES)]


def _bars(t: np.ndarray, period: np.ndarray, phase: np.ndarray) -> np.ndarray:
    """Stripes across the coordinate ``t``: True on half of every period."""
    return np.sin(2 * np.pi * t / period + phase) > 0


def _patch(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The square ``|u|, |v| < 1`` that holds the textured classes."""
    return np.maximum(np.abs(u), np.abs(v)) < 1


#: One drawing rule per class, on object coordinates ``u, v`` (unit = object radius).
SHAPES = (
    lambda u, v, p, f: np.hypot(u, v) < 1,
    lambda u, v, p, f: np.maximum(np.abs(u), np.abs(v)) < 0.8,
    lambda u, v, p, f: (v < 0.7) & (1.4 * np.abs(u) < v + 0.9),
    lambda u, v, p, f: np.abs(np.hypot(u, v) - 0.78) < 0.22,
    lambda u, v, p, f: ((np.abs(u) < 0.3) | (np.abs(v) < 0.3)) & _patch(u, v),
    lambda u, v, p, f: _bars(v, p, f) & _patch(u, v),
    lambda u, v, p, f: _bars(u, p, f) & _patch(u, v),
    lambda u, v, p, f: _bars((u + v) / np.sqrt(2), p, f) & _patch(u, v),
    lambda u, v, p, f: (_bars(u, p, f) ^ _bars(v, p, 0)) & _patch(u, v),
    lambda u, v, p, f: (np.hypot((u / p) % 1 - 0.5, (v / p) % 1 - 0.5) < 0.3) & _patch(u, v),
)


def _shape_masks(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Boolean masks (N, 32, 32) of each label's object at a random place, size and tilt."""
    n = labels.shape[0]
    grid = np.arange(IMAGE_SIZE, dtype=np.float64)
    centre = rng.uniform(10, 22, size=(2, n, 1, 1))
    radius = rng.uniform(6, 10, size=(n, 1, 1))
    angle = rng.uniform(-0.35, 0.35, size=(n, 1, 1))
    period = rng.uniform(0.45, 0.7, size=(n, 1, 1))
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1, 1))
    masks = np.empty((n, IMAGE_SIZE, IMAGE_SIZE), dtype=bool)
    for label, draw in enumerate(SHAPES):
        idx = np.flatnonzero(labels == label)
        dy = (grid[None, :, None] - centre[0, idx]) / radius[idx]
        dx = (grid[None, None, :] - centre[1, idx]) / radius[idx]
        cos, sin = np.cos(angle[idx]), np.sin(angle[idx])
        masks[idx] = draw(cos * dx + sin * dy, cos * dy - sin * dx, period[idx], phase[idx])
    return masks


def render_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one image per label; returns float32 pixels in [0, 255], shape (N, 3, 32, 32)."""
    labels = np.asarray(labels)
    n = labels.shape[0]
    masks = _shape_masks(labels, rng)[:, None]
    foreground = 0.75 * CLASS_HUES[labels] + 0.25 * rng.uniform(0, 255, size=(n, 3))
    background = rng.uniform(30, 110, size=(n, 1)) + rng.uniform(-20, 20, size=(n, 3))
    ramp = np.linspace(-1, 1, IMAGE_SIZE)
    direction = rng.normal(size=(n, 2, 1, 1))
    shade = 25 * (direction[:, :1] * ramp[None, None, :, None] + direction[:, 1:] * ramp[None, None, None, :])
    images = np.where(masks, foreground[:, :, None, None], background[:, :, None, None] + shade).astype(np.float32)
    images += 12 * rng.standard_normal(images.shape, dtype=np.float32)
    return np.clip(images, 0, 255, out=images)


def synthetic_images(
    num_train: int = 2000, num_val: int = 500, num_test: int = 500, seed: int = 0, subtract_mean: bool = True
) -> dict[str, np.ndarray]:
    """A deterministic 10-class image set laid out like :func:`get_CIFAR10_data`.

    Parameters
    ----------
    num_train, num_val, num_test : int
        Images per split.
    seed : int
        The same seed always gives the same images.
    subtract_mean : bool
        Subtract the mean training image from every split.

    Returns
    -------
    dict
        ``X_train``, ``X_val``, ``X_test``: float32, shape (N, 3, 32, 32), pixel
        scale 0..255 (before the mean is subtracted); ``y_train``, ``y_val``,
        ``y_test``: int64 labels indexing :data:`class_names`.
    """
    check_split_sizes(num_train=num_train, num_val=num_val, num_test=num_test)
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(class_names), size=num_train + num_val + num_test)
    X = render_images(labels, rng)
    cuts = (num_train, num_train + num_val)
    data = {}
    for name, X_part, y_part in zip(("train", "val", "test"), np.split(X, cuts), np.split(labels, cuts)):
        data[f"X_{name}"], data[f"y_{name}"] = X_part, y_part
    return subtract_training_mean(data) if subtract_mean else data
