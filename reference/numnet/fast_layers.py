"""Fast convolution and max-pool layers, drop-in replacements for the naive ones.

Same calling convention, argument checks and results as
:func:`numnet.layers.conv_forward_naive` and friends: ``forward -> (out, cache)``,
``backward(dout, cache)``; inputs are never modified; float32 stays float32
(integer inputs are computed in float64).

A convolution unfolds the image into columns (layout in :mod:`numnet.im2col_cython`)
and does a single matrix product with the filters; its backward pass is two matrix
products and a fold of the columns back into an image. Two ways to unfold are
offered: the compiled ``im2col`` and NumPy's strided window view.

Max pooling reshapes the input when the windows tile it, and unfolds it into
columns otherwise. Either way the gradient of a window goes to its first maximum
in row-major order, like :func:`numnet.layers.max_pool_backward_naive`.

The compiled extension is imported on first use; when it has not been built,
calling a function that needs it raises an :class:`ImportError` that says how to
build it.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import numpy as np

from ._validate import require_shape
from .layers import _conv_geometry, _pool_geometry

Cache = Any

BUILD_HINT = "run `python -m numnet.build_ext` from the folder that contains numnet/"


def im2col_extension() -> ModuleType:
    """The compiled :mod:`numnet.im2col_cython` module, or a helpful ImportError."""
    try:
        return importlib.import_module(".im2col_cython", __package__)
    except ImportError as error:
        raise ImportError(f"the compiled im2col extension numnet.im2col_cython is not available ({error}); "
                          f"{BUILD_HINT} to build it") from error


def _compute_dtype(*arrays: np.ndarray) -> np.dtype:
    """Floating dtype of a layer's arithmetic: float32 stays float32, integers become float64."""
    return np.result_type(*arrays, np.float32)


def _conv_from_cols(cols: np.ndarray, w: np.ndarray, b: np.ndarray, N: int, H_out: int, W_out: int) -> np.ndarray:
    """Convolution output ``(N, F, H_out, W_out)`` from the unfolded input ``cols``."""
    F = w.shape[0]
    ### BEGIN SOLUTION
    products = w.reshape(F, -1).astype(cols.dtype, copy=False) @ cols
    out = np.empty((N, F, H_out, W_out), dtype=cols.dtype)
    bias = b.astype(cols.dtype, copy=False)[:, None, None]
    np.add(products.reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3), bias, out=out)
    ### END SOLUTION
    return out


def conv_forward_im2col(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict[str, Any]
) -> tuple[np.ndarray, Cache]:
    """:func:`numnet.layers.conv_forward_naive` on columns unfolded by the compiled im2col."""
    stride, pad, H_out, W_out = _conv_geometry(x, w, b, conv_param)
    im2col_cython = im2col_extension().im2col_cython
    ### BEGIN SOLUTION
    _, _, HH, WW = w.shape
    cols = im2col_cython(x.astype(_compute_dtype(x, w, b), copy=False), HH, WW, pad, stride)
    out = _conv_from_cols(cols, w, b, x.shape[0], H_out, W_out)
    cache = (x, w, b, conv_param, cols)
    ### END SOLUTION
    return out, cache


def conv_forward_strides(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict[str, Any]
) -> tuple[np.ndarray, Cache]:
    """:func:`numnet.layers.conv_forward_naive` on columns copied from a strided window view."""
    stride, pad, H_out, W_out = _conv_geometry(x, w, b, conv_param)
    ### BEGIN SOLUTION
    _, _, HH, WW = w.shape
    x_padded = np.pad(x.astype(_compute_dtype(x, w, b), copy=False), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = np.lib.stride_tricks.sliding_window_view(x_padded, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride]
    cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(-1, x.shape[0] * H_out * W_out)
    out = _conv_from_cols(cols, w, b, x.shape[0], H_out, W_out)
    cache = (x, w, b, conv_param, cols)
    ### END SOLUTION
    return out, cache


def _check_conv_dout(dout: np.ndarray, cache: Cache) -> tuple[int, int]:
    """Fail unless ``dout`` has the forward output's shape; return ``(stride, pad)``."""
    x, w, b, conv_param, _ = cache
    stride, pad, H_out, W_out = _conv_geometry(x, w, b, conv_param)
    require_shape("dout", dout, (x.shape[0], w.shape[0], H_out, W_out))
    return stride, pad


def _conv_backward_products(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(dcols, dw, db)``: the gradients with respect to the columns, filters and biases."""
    _, w, _, _, cols = cache
    F = w.shape[0]
    ### BEGIN SOLUTION
    dout_rows = dout.transpose(1, 0, 2, 3).reshape(F, -1).astype(np.result_type(cols, dout), copy=False)
    db = dout_rows.sum(axis=1)
    dw = (dout_rows @ cols.T).reshape(w.shape)
    dcols = w.reshape(F, -1).T.astype(dout_rows.dtype, copy=False) @ dout_rows
    ### END SOLUTION
    return dcols, dw, db


def conv_backward_im2col(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`conv_forward_im2col` (or of :func:`conv_forward_strides`).

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dw : ndarray, shape (F, C, HH, WW)
    db : ndarray, shape (F,)
    """
    stride, pad = _check_conv_dout(dout, cache)
    col2im_cython = im2col_extension().col2im_cython
    ### BEGIN SOLUTION
    N, C, H, W = cache[0].shape
    _, _, HH, WW = cache[1].shape
    dcols, dw, db = _conv_backward_products(dout, cache)
    dx = col2im_cython(dcols, N, C, H, W, HH, WW, pad, stride)
    ### END SOLUTION
    return dx, dw, db


def conv_backward_strides(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`conv_forward_strides`, folding the 6-D column gradient.

    Returns the same as :func:`conv_backward_im2col`.
    """
    stride, pad = _check_conv_dout(dout, cache)
    col2im_6d_cython = im2col_extension().col2im_6d_cython
    ### BEGIN SOLUTION
    N, C, H, W = cache[0].shape
    _, _, HH, WW = cache[1].shape
    dcols, dw, db = _conv_backward_products(dout, cache)
    dcols_6d = dcols.reshape(C, HH, WW, N, dout.shape[2], dout.shape[3])
    dx = col2im_6d_cython(dcols_6d, N, C, H, W, HH, WW, pad, stride)
    ### END SOLUTION
    return dx, dw, db


def conv_forward_fast(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict[str, Any]
) -> tuple[np.ndarray, Cache]:
    """Fastest available convolution; same arguments and results as
    :func:`numnet.layers.conv_forward_naive`."""
    return conv_forward_im2col(x, w, b, conv_param)


def conv_backward_fast(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`conv_forward_fast`: ``(dx, dw, db)``."""
    return conv_backward_im2col(dout, cache)


def _tiles(pool_height: int, pool_width: int, stride: int) -> bool:
    """Whether validated pool windows are disjoint and cover the whole input."""
    return pool_height == pool_width == stride


def max_pool_forward_reshape(x: np.ndarray, pool_param: dict[str, Any]) -> tuple[np.ndarray, Cache]:
    """Max pooling for windows that tile the input, by reshaping it into blocks.

    Raises ValueError unless ``pool_height == pool_width == stride``.
    """
    ph, pw, stride, H_out, W_out = _pool_geometry(x, pool_param)
    if not _tiles(ph, pw, stride):
        raise ValueError(f"reshape pooling needs windows that tile the input (pool_height == pool_width == stride), "
                         f"got pool_height={ph}, pool_width={pw}, stride={stride}")
    ### BEGIN SOLUTION
    N, C = x.shape[:2]
    out = x.reshape(N, C, H_out, ph, W_out, pw).max(axis=(3, 5))
    cache = (x, ph, pw)
    ### END SOLUTION
    return out, cache


def max_pool_backward_reshape(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of :func:`max_pool_forward_reshape`; ties go to the first maximum."""
    x, ph, pw = cache
    N, C, H, W = x.shape
    require_shape("dout", dout, (N, C, H // ph, W // pw))
    ### BEGIN SOLUTION
    _, _, H_out, W_out = dout.shape
    blocks = x.reshape(N, C, H_out, ph, W_out, pw).transpose(0, 1, 2, 4, 3, 5).reshape(N, C, H_out, W_out, -1)
    first = blocks.argmax(axis=-1)[..., None]
    dx_blocks = np.where(np.arange(ph * pw) == first, dout[..., None], 0).astype(np.result_type(x, dout))
    dx = dx_blocks.reshape(N, C, H_out, W_out, ph, pw).transpose(0, 1, 2, 4, 3, 5).reshape(x.shape)
    ### END SOLUTION
    return dx


def max_pool_forward_im2col(x: np.ndarray, pool_param: dict[str, Any]) -> tuple[np.ndarray, Cache]:
    """Max pooling of any validated geometry (overlapping or not) on im2col columns."""
    ph, pw, stride, H_out, W_out = _pool_geometry(x, pool_param)
    im2col_cython = im2col_extension().im2col_cython
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    cols = im2col_cython(x.reshape(N * C, 1, H, W), ph, pw, 0, stride)
    first = cols.argmax(axis=0)[None]
    out = np.take_along_axis(cols, first, axis=0).reshape(N, C, H_out, W_out).astype(x.dtype, copy=False)
    cache = (x, first, ph, pw, stride)
    ### END SOLUTION
    return out, cache


def max_pool_backward_im2col(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of :func:`max_pool_forward_im2col`; ties go to the first maximum."""
    x, first, ph, pw, stride = cache
    N, C, H, W = x.shape
    require_shape("dout", dout, (N, C, (H - ph) // stride + 1, (W - pw) // stride + 1))
    col2im_cython = im2col_extension().col2im_cython
    ### BEGIN SOLUTION
    dcols = np.zeros((ph * pw, first.size), dtype=_compute_dtype(x, dout))
    np.put_along_axis(dcols, first, dout.reshape(1, -1), axis=0)
    dx = col2im_cython(dcols, N * C, 1, H, W, ph, pw, 0, stride).reshape(x.shape)
    ### END SOLUTION
    return dx


def max_pool_forward_fast(x: np.ndarray, pool_param: dict[str, Any]) -> tuple[np.ndarray, Cache]:
    """Max pooling: the reshape path when the windows tile the input, the im2col path otherwise.

    Same arguments and results as :func:`numnet.layers.max_pool_forward_naive`.
    """
    ph, pw, stride, _, _ = _pool_geometry(x, pool_param)
    if _tiles(ph, pw, stride):
        out, cache = max_pool_forward_reshape(x, pool_param)
        return out, ("reshape", cache)
    out, cache = max_pool_forward_im2col(x, pool_param)
    return out, ("im2col", cache)


def max_pool_backward_fast(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of :func:`max_pool_forward_fast`."""
    path, path_cache = cache
    backward = {"reshape": max_pool_backward_reshape, "im2col": max_pool_backward_im2col}[path]
    return backward(dout, path_cache)
