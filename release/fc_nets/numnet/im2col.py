"""im2col and col2im in pure NumPy, by fancy indexing.

Slower than :mod:`numnet.im2col_cython` but needs no compiler, and uses the same
column layout: one row per filter tap ``(c, i, j)`` and one column per output
position ``(n, y, x)``, so ``cols.reshape(C, fh, fw, N, H_out, W_out)`` is valid.
"""
from __future__ import annotations

import numpy as np

from ._validate import window_count


def _output_shape(x_shape: tuple[int, ...], field_height: int, field_width: int, padding: int,
                  stride: int) -> tuple[int, int]:
    """``(H_out, W_out)`` for fields sliding over an image of shape ``x_shape``."""
    if len(x_shape) != 4:
        raise ValueError(f"x must be 4-D (N, C, H, W), got shape {tuple(x_shape)}")
    if padding < 0:
        raise ValueError(f"padding must be >= 0, got {padding}")
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    _, _, H, W = x_shape
    H_out = window_count(H + 2 * padding, field_height, stride, f"im2col height (size {H}, padding {padding})")
    W_out = window_count(W + 2 * padding, field_width, stride, f"im2col width (size {W}, padding {padding})")
    return H_out, W_out


def get_im2col_indices(
    x_shape: tuple[int, int, int, int], field_height: int, field_width: int, padding: int = 1, stride: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices ``(k, i, j)`` such that ``x_padded[:, k, i, j]`` holds every receptive field.

    Parameters
    ----------
    x_shape : tuple
        ``(N, C, H, W)`` of the unpadded images.
    field_height, field_width, padding, stride : int
        Geometry of the sliding fields.

    Returns
    -------
    k : ndarray, shape (C * field_height * field_width, 1)
        Channel of each row.
    i, j : ndarray, shape (C * field_height * field_width, H_out * W_out)
        Row and column in the padded image of each tap at each output position.
    """
    H_out, W_out = _output_shape(x_shape, field_height, field_width, padding, stride)
    C = x_shape[1]
    tap_row = np.tile(np.repeat(np.arange(field_height), field_width), C)
    tap_col = np.tile(np.arange(field_width), field_height * C)
    out_row = stride * np.repeat(np.arange(H_out), W_out)
    out_col = stride * np.tile(np.arange(W_out), H_out)
    i = tap_row[:, None] + out_row[None, :]
    j = tap_col[:, None] + out_col[None, :]
    k = np.repeat(np.arange(C), field_height * field_width)[:, None]
    return k, i, j


def im2col_indices(x: np.ndarray, field_height: int, field_width: int, padding: int = 1,
                   stride: int = 1) -> np.ndarray:
    """Unfold every receptive field of ``x`` into a column.

    Returns
    -------
    cols : ndarray, shape (C * field_height * field_width, N * H_out * W_out)
    """
    k, i, j = get_im2col_indices(np.shape(x), field_height, field_width, padding, stride)
    p = padding
    x_padded = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    fields = x_padded[:, k, i, j]  # (N, taps, positions)
    cols = fields.transpose(1, 0, 2).reshape(k.shape[0], -1)
    return cols


def col2im_indices(cols: np.ndarray, x_shape: tuple[int, int, int, int], field_height: int = 3,
                   field_width: int = 3, padding: int = 1, stride: int = 1) -> np.ndarray:
    """Fold columns back into images of shape ``x_shape``, summing overlapping entries.

    The adjoint of :func:`im2col_indices`.
    """
    k, i, j = get_im2col_indices(x_shape, field_height, field_width, padding, stride)
    N, C, H, W = x_shape
    expected = (k.shape[0], N * i.shape[1])
    if np.shape(cols) != expected:
        raise ValueError(f"cols must have shape {expected}, got {np.shape(cols)}")
    p = padding
    x_padded = np.zeros((N, C, H + 2 * p, W + 2 * p), dtype=cols.dtype)
    fields = cols.reshape(k.shape[0], N, -1).transpose(1, 0, 2)
    np.add.at(x_padded, (slice(None), k, i, j), fields)
    x = x_padded[:, :, p : p + H, p : p + W]
    return x
