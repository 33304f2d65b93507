"""PyTorch CPU counterparts of the benchmarked layers, when PyTorch is installed.

Each function returns ``(forward, backward)`` closures over the given NumPy
arrays (shared with PyTorch, not copied), or ``None`` without PyTorch.
"""
from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

# Idle OpenMP threads of PyTorch would otherwise spin for a while after each call,
# slowing whatever the interleaved timing runs next.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
try:
    import torch
except ImportError:
    torch = None

Closures = tuple[Callable[[], object], Callable[[], object]]


def version() -> str | None:
    """PyTorch's version, or None when it is not installed."""
    return None if torch is None else torch.__version__


def limit_threads(count: int) -> None:
    """Make PyTorch use ``count`` threads."""
    if torch is not None:
        torch.set_num_threads(count)


def conv(x: np.ndarray, w: np.ndarray, b: np.ndarray, dout: np.ndarray, stride: int, pad: int) -> Closures | None:
    """``conv2d`` forward, and its backward for the input, weights and bias."""
    if torch is None:
        return None
    xt, wt, bt, gt = (torch.from_numpy(np.ascontiguousarray(a)) for a in (x, w, b, dout))

    def forward() -> object:
        with torch.no_grad():
            return torch.nn.functional.conv2d(xt, wt, bt, stride=stride, padding=pad)

    def backward() -> object:
        return torch.ops.aten.convolution_backward(
            gt, xt, wt, [wt.shape[0]], [stride] * 2, [pad] * 2, [1, 1], False, [0, 0], 1, [True, True, True]
        )

    return forward, backward


def max_pool(x: np.ndarray, dout: np.ndarray, pool_height: int, pool_width: int, stride: int) -> Closures | None:
    """``max_pool2d`` forward, and its backward for the input."""
    if torch is None:
        return None
    xt, gt = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.ascontiguousarray(dout))
    window, steps = [pool_height, pool_width], [stride, stride]
    _, indices = torch.ops.aten.max_pool2d_with_indices(xt, window, steps)

    def forward() -> object:
        return torch.ops.aten.max_pool2d_with_indices(xt, window, steps)

    def backward() -> object:
        return torch.ops.aten.max_pool2d_with_indices_backward(gt, xt, window, steps, [0, 0], [1, 1], False, indices)

    return forward, backward
