"""Arranging many small images into one picture."""
from __future__ import annotations

import math

import numpy as np


def visualize_grid(Xs: np.ndarray, ubound: float = 255.0, padding: int = 1) -> np.ndarray:
    """Tile images into a near-square grid, each rescaled to ``[0, ubound]``.

    Parameters
    ----------
    Xs : ndarray, shape (N, H, W, C)
        Images (for filters of shape (F, C, H, W), pass ``W.transpose(0, 2, 3, 1)``).
    ubound : float
        Every image is rescaled on its own so that its minimum maps to 0 and its
        maximum to ``ubound``; a constant image maps to 0.
    padding : int
        Blank pixels between neighbouring tiles.

    Returns
    -------
    grid : ndarray, shape (G * (H + padding) - padding, G * (W + padding) - padding, C)
        With ``G = ceil(sqrt(N))``; unused tiles and padding are 0.
    """
    Xs = np.asarray(Xs, dtype=np.float64)
    if Xs.ndim != 4:
        raise ValueError(f"Xs must have shape (N, H, W, C), got {Xs.shape}")
    if padding < 0:
        raise ValueError(f"padding must be non-negative, got {padding}")
    N, H, W, C = Xs.shape
    side = math.ceil(math.sqrt(N))
    grid = np.zeros((side * (H + padding) - padding, side * (W + padding) - padding, C))
    low = Xs.min(axis=(1, 2, 3), keepdims=True)
    span = Xs.max(axis=(1, 2, 3), keepdims=True) - low
    scaled = ubound * (Xs - low) / np.where(span > 0, span, 1)
    for index, image in enumerate(scaled):
        row, col = divmod(index, side)
        top, left = row * (H + padding), col * (W + padding)
        grid[top : top + H, left : left + W] = image
    return grid
