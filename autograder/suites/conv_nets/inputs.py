"""Hidden input generators shared by the conv_nets checks.

Every generator draws from the test's ``rng`` and keeps the arrays small, so
that numeric gradients through the worker stay cheap.
"""
from __future__ import annotations

from typing import Any

import numpy as np

#: Convolution geometries: stride, pad, kernel (HH, WW) and optional fixed N, C.
CONV_CASES: dict[str, dict[str, Any]] = {
    "stride2_pad1": {"stride": 2, "pad": 1, "kernel": (3, 3)},
    "pad0": {"stride": 1, "pad": 0, "kernel": (3, 3)},
    "nonsquare_kernel": {"stride": 1, "pad": 1, "kernel": (2, 3)},
    "stride3_nonsquare": {"stride": 3, "pad": 1, "kernel": (3, 2)},  # pad 2 would leave width-2 windows all padding
    "one_image_one_channel": {"stride": 1, "pad": 1, "kernel": (3, 3), "N": 1, "C": 1},
}

#: Pool geometries: (pool_height, pool_width, stride) and optional fixed N, C.
POOL_CASES: dict[str, dict[str, Any]] = {
    "tiling_2x2": {"pool": (2, 2, 2)},
    "overlapping_3x3_stride2": {"pool": (3, 3, 2)},
    "nonsquare_2x3_stride1": {"pool": (2, 3, 1)},
    "nonsquare_3x2_stride2": {"pool": (3, 2, 2)},
    "one_image_one_channel": {"pool": (2, 2, 2), "N": 1, "C": 1},
}


def _extent(window: int, pad: int, stride: int, positions: int) -> int:
    """The input size whose padded size fits ``window`` at ``positions`` positions ``stride`` apart."""
    return window - 2 * pad + stride * (positions - 1)


def _positions(rng: np.random.Generator) -> tuple[int, int]:
    """Output height and width, never equal (so that swapped axes show): (2, 3) or (3, 2)."""
    rows = int(rng.integers(2, 4))
    return rows, 5 - rows


def conv_inputs(rng: np.random.Generator, stride: int, pad: int, kernel: tuple[int, int], N: int | None = None,
                C: int | None = None, dtype: Any = np.float64) -> list[Any]:
    """``[x, w, b, conv_param]`` for one convolution geometry."""
    N = N or int(rng.integers(2, 4))
    C = C or int(rng.integers(2, 4))
    F = int(rng.integers(2, 4))
    HH, WW = kernel
    rows, cols = _positions(rng)
    H, W = _extent(HH, pad, stride, rows), _extent(WW, pad, stride, cols)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((F, C, HH, WW)).astype(dtype)
    b = rng.standard_normal(F).astype(dtype)
    return [x, w, b, {"stride": stride, "pad": pad}]


def distinct_values(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any = np.float64) -> np.ndarray:
    """Values at least 0.1 apart, so that every max-pool window has a clear maximum."""
    size = int(np.prod(shape))
    values = rng.permutation(size) * 0.1 + rng.uniform(0, 0.01, size) - 0.05 * size
    return values.reshape(shape).astype(dtype)


def pool_inputs(rng: np.random.Generator, pool: tuple[int, int, int], N: int | None = None, C: int | None = None,
                dtype: Any = np.float64, ties: bool = False) -> list[Any]:
    """``[x, pool_param]``; with ``ties`` the values come from a few integers, so windows hold equal maxima."""
    ph, pw, stride = pool
    N = N or int(rng.integers(1, 3))
    C = C or int(rng.integers(2, 4))
    rows, cols = _positions(rng)
    shape = (N, C, _extent(ph, 0, stride, rows), _extent(pw, 0, stride, cols))
    x = rng.integers(0, 3, size=shape).astype(dtype) if ties else distinct_values(rng, shape, dtype)
    return [x, {"pool_height": ph, "pool_width": pw, "stride": stride}]


def norm_inputs(rng: np.random.Generator, C: int, dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x, gamma, beta)`` with per-channel offsets and scales; gamma and beta of shape (C,)."""
    N, H, W = int(rng.integers(2, 4)), int(rng.integers(2, 4)), int(rng.integers(2, 4))
    scale = rng.uniform(0.5, 3.0, size=(1, C, 1, 1))
    shift = rng.uniform(-2.0, 2.0, size=(1, C, 1, 1))
    x = (scale * rng.standard_normal((N, C, H, W)) + shift).astype(dtype)
    return x, rng.standard_normal(C).astype(dtype), rng.standard_normal(C).astype(dtype)
