"""Fast convolution and max-pool layers, drop-in replacements for the naive ones.

Same calling convention, argument checks and results as
:func:`numnet.layers.conv_forward_naive` and friends: ``forward -> (out, cache)``,
``backward(dout, cache)``; inputs are never modified; float32 stays float32
(integer inputs are computed in float64).

A convolution unfolds the images into columns (layout in :mod:`numnet.im2col_cython`)
and multiplies them by the filter matrix; its backward pass is two matrix products
and a fold of the column gradient back into an image. The whole-batch versions
unfold with the compiled ``im2col`` or with NumPy's strided window view;
:func:`conv_forward_fast` and :func:`conv_backward_fast` work through the batch in
cache-sized chunks, on all cores (see ``docs/fast_layers.md``).

Max pooling reshapes the input when the windows tile it, and unfolds it into
columns otherwise. Either way the gradient of a window goes to its first maximum
in row-major order, like :func:`numnet.layers.max_pool_backward_naive`.

The compiled extension is imported on first use; when it has not been built,
calling a function that needs it raises an :class:`ImportError` that says how to
build it.
"""
from __future__ import annotations

import contextlib
import functools
import importlib
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from queue import Empty, SimpleQueue
from types import ModuleType
from typing import Any

import numpy as np

from ._validate import require_shape
from .layers import _conv_geometry, _pool_geometry

Cache = Any

BUILD_HINT = "run `python -m numnet.build_ext` from the folder that contains numnet/"
CHUNK_BYTES = 1 << 17
"""Target size of one chunk's columns in :func:`conv_forward_fast` / :func:`conv_backward_fast`: small
enough that the columns, the input and the output of a chunk stay together in a core's L2 cache."""
PARALLEL_MIN_FLOPS = 1e7
"""Convolutions cheaper than this (about half a millisecond of one core) run in the calling thread
only: below it, waking a second thread costs about as much as it saves."""


@functools.cache  # a failed import raises and is retried on the next call
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


@functools.cache
def _blas_controller() -> Any:
    """threadpoolctl's handle on the BLAS libraries NumPy loaded, or None without threadpoolctl."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController().select(user_api="blas")


def _worker_count(flops: float) -> int:
    """Threads worth using for a convolution costing ``flops``: BLAS's thread count, or 1 for small jobs
    (and always 1 when BLAS's threads cannot be controlled)."""
    if flops < PARALLEL_MIN_FLOPS or _blas_controller() is None:
        return 1
    threads = [lib.num_threads for lib in _blas_controller().lib_controllers]
    return max(1, min(max(threads, default=1), os.cpu_count() or 1))


def _one_blas_thread() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread per call (when threadpoolctl is there) for as long as the context lasts."""
    controller = _blas_controller()
    return contextlib.nullcontext() if controller is None else controller.limit(limits=1)


@functools.cache
def _executor() -> ThreadPoolExecutor:
    """Threads that help the calling thread through the chunks of a parallel convolution."""
    return ThreadPoolExecutor(max_workers=max(1, (os.cpu_count() or 1) - 1), thread_name_prefix="numnet-conv")


def _drain(pending: SimpleQueue) -> Iterator[int]:
    """Take items from ``pending`` until it is empty."""
    while True:
        try:
            yield pending.get_nowait()
        except Empty:
            return


def _share_chunks(work: Callable[[Iterator[int]], Any], starts: range, workers: int) -> list[Any]:
    """``work(chunk_starts)`` on up to ``workers`` threads that take the chunks from one shared queue.

    BLAS is limited to one thread per call throughout: the products of one chunk
    are too small to share, and waking BLAS's threads for each of them costs more
    than the product itself on a busy machine; the chunks, not BLAS, share the cores.
    Taking chunks on demand keeps every thread busy even when the machine is
    shared, and a helper that has not started by the time the calling thread ran
    out of chunks is cancelled rather than waited for.
    """
    workers = min(workers, len(starts))
    with _one_blas_thread():
        if workers <= 1:
            return [work(iter(starts))]
        pending: SimpleQueue = SimpleQueue()
        for start in starts:
            pending.put(start)
        helpers = [_executor().submit(work, _drain(pending)) for _ in range(workers - 1)]
        first = work(_drain(pending))
        return [first] + [helper.result() for helper in helpers if not helper.cancel()]


class _ChunkedConv:
    """Geometry of a convolution computed a few samples at a time.

    Each chunk's columns are small enough to stay in cache, so the full column
    matrix is never written to memory, and the forward output is written in its
    final layout chunk by chunk.
    """

    def __init__(self, x: np.ndarray, w: np.ndarray, conv_param: dict[str, Any], dtype: np.dtype) -> None:
        self.N, self.C, H, W = x.shape
        self.F, _, self.HH, self.WW = w.shape
        self.stride, self.pad = conv_param["stride"], conv_param["pad"]
        self.H_out = (H + 2 * self.pad - self.HH) // self.stride + 1
        self.W_out = (W + 2 * self.pad - self.WW) // self.stride + 1
        self.P = self.H_out * self.W_out
        self.K = self.C * self.HH * self.WW
        self.x = np.ascontiguousarray(x, dtype=dtype)
        self.w_rows = np.ascontiguousarray(w.reshape(self.F, self.K), dtype=dtype)
        self.samples_per_chunk = max(1, min(self.N, CHUNK_BYTES // (self.K * self.P * self.x.itemsize)))
        self.workers = _worker_count(2.0 * self.F * self.K * self.N * self.P)

    def chunk_starts(self) -> range:
        """First sample of every chunk."""
        return range(0, self.N, self.samples_per_chunk)

    def chunks(self, starts: Iterator[int], ones_row: bool = False) -> Iterator[tuple[int, int, np.ndarray]]:
        """``(n0, n1, cols)`` for the chunks of samples ``n0:n1`` beginning at ``starts``.

        ``cols`` (a reused buffer) holds the chunk's columns, followed by a row of
        ones when ``ones_row`` is set: multiplied by it, a bias column gets added
        (forward) and an upstream gradient gets summed into ``db`` (backward).
        """
        rows = self.K + int(ones_row)
        buffer = self.buffer(rows)
        im2col_inner = im2col_extension().im2col_cython_inner
        for n0 in starts:
            n1 = min(self.N, n0 + self.samples_per_chunk)
            cols = buffer[: rows * (n1 - n0) * self.P].reshape(rows, -1)
            im2col_inner(cols[: self.K], self.x[n0:n1], self.HH, self.WW, self.pad, self.stride, self.H_out, self.W_out)
            cols[self.K :] = 1
            yield n0, n1, cols

    def buffer(self, rows: int) -> np.ndarray:
        """Scratch space for a ``(rows, samples_per_chunk * P)`` matrix, flat."""
        return np.empty(rows * self.samples_per_chunk * self.P, dtype=self.x.dtype)


def conv_forward_fast(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict[str, Any]
) -> tuple[np.ndarray, Cache]:
    """Fastest convolution here; same arguments and results as :func:`numnet.layers.conv_forward_naive`.

    Samples are processed in cache-sized chunks (im2col, then one matrix product per
    sample that also adds the bias, written straight into the output),
    split between the cores when the job is big enough. The cache holds no
    columns: :func:`conv_backward_fast` unfolds the input again.
    """
    _conv_geometry(x, w, b, conv_param)
    im2col_extension()
    ### BEGIN SOLUTION
    conv = _ChunkedConv(x, w, conv_param, _compute_dtype(x, w, b))
    out = np.empty((conv.N, conv.F, conv.P), dtype=conv.x.dtype)
    filters_and_bias = np.concatenate([conv.w_rows, b.astype(out.dtype).reshape(-1, 1)], axis=1)

    def forward_chunks(starts: Iterator[int]) -> None:
        # One product per sample, written straight into its place in ``out``
        # (a plain 2-D product when the chunk is a single sample: NumPy's stacked
        # product is markedly slower there).
        for n0, n1, cols in conv.chunks(starts, ones_row=True):
            if n1 - n0 == 1:
                np.matmul(filters_and_bias, cols, out=out[n0])
            else:
                per_sample = cols.reshape(conv.K + 1, n1 - n0, conv.P).transpose(1, 0, 2)
                np.matmul(filters_and_bias, per_sample, out=out[n0:n1])

    _share_chunks(forward_chunks, conv.chunk_starts(), conv.workers)
    out = out.reshape(conv.N, conv.F, conv.H_out, conv.W_out)
    cache = (x, w, b, conv_param)
    ### END SOLUTION
    return out, cache


def conv_backward_fast(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`conv_forward_fast`: ``(dx, dw, db)``, chunk by chunk like the forward."""
    x, w, b, conv_param = cache
    _, _, H_out, W_out = _conv_geometry(x, w, b, conv_param)
    require_shape("dout", dout, (x.shape[0], w.shape[0], H_out, W_out))
    im2col_extension()
    ### BEGIN SOLUTION
    conv = _ChunkedConv(x, w, conv_param, _compute_dtype(x, w, b, dout))
    dout_per_sample = np.asarray(dout, dtype=conv.x.dtype).reshape(conv.N, conv.F, conv.P)
    dx = np.zeros(conv.x.shape, dtype=conv.x.dtype)
    col2im_inner = im2col_extension().col2im_cython_inner

    def backward_chunks(starts: Iterator[int]) -> np.ndarray:
        # With the row of ones, the product for dW also yields db as its last column.
        dout_buffer, dcols_buffer = conv.buffer(conv.F), conv.buffer(conv.K)
        dw_and_db = np.zeros((conv.F, conv.K + 1), dtype=conv.x.dtype)
        for n0, n1, cols in conv.chunks(starts, ones_row=True):
            dout_rows = dout_buffer[: conv.F * cols.shape[1]].reshape(conv.F, n1 - n0, conv.P)
            np.copyto(dout_rows, dout_per_sample[n0:n1].transpose(1, 0, 2))
            dout_rows = dout_rows.reshape(conv.F, -1)
            dw_and_db += dout_rows @ cols.T
            dcols = np.matmul(conv.w_rows.T, dout_rows, out=dcols_buffer[: conv.K * cols.shape[1]].reshape(conv.K, -1))
            col2im_inner(dx[n0:n1], dcols, conv.HH, conv.WW, conv.pad, conv.stride, conv.H_out, conv.W_out)
        return dw_and_db

    dw_and_db = sum(_share_chunks(backward_chunks, conv.chunk_starts(), conv.workers))
    dw = np.ascontiguousarray(dw_and_db[:, : conv.K]).reshape(w.shape)
    db = dw_and_db[:, conv.K].copy()
    ### END SOLUTION
    return dx, dw, db


def _tiles(pool_height: int, pool_width: int, stride: int) -> bool:
    """Whether validated pool windows are disjoint and cover the whole input."""
    return pool_height == pool_width == stride


def _route_to_first_max(taps: Iterable[np.ndarray], out: np.ndarray, dout: np.ndarray,
                        grad_taps: Iterable[np.ndarray]) -> None:
    """Give each window's ``dout`` to the first of its entries equal to its maximum ``out``.

    ``taps`` yields, for each position inside the window in row-major order, the
    input entries at that position for every window (same shape as ``out``);
    ``grad_taps`` yields the matching writable views of the gradient.
    """
    ### BEGIN SOLUTION
    unassigned = np.ones(out.shape, dtype=bool)
    hit = np.empty(out.shape, dtype=bool)
    for tap, grad in zip(taps, grad_taps):
        np.equal(tap, out, out=hit)
        hit &= unassigned
        np.multiply(dout, hit, out=grad)
        unassigned ^= hit
    ### END SOLUTION


def _block_taps(blocks: np.ndarray) -> Iterator[np.ndarray]:
    """Views ``blocks[:, :, :, i, :, j]`` of an ``(N, C, H_out, ph, W_out, pw)`` array, row-major in ``(i, j)``."""
    _, _, _, ph, _, pw = blocks.shape
    return (blocks[:, :, :, i, :, j] for i in range(ph) for j in range(pw))


def max_pool_forward_reshape(x: np.ndarray, pool_param: dict[str, Any]) -> tuple[np.ndarray, Cache]:
    """Max pooling for windows that tile the input, on a blocked view of it.

    Raises ValueError unless ``pool_height == pool_width == stride``.
    """
    ph, pw, stride, H_out, W_out = _pool_geometry(x, pool_param)
    if not _tiles(ph, pw, stride):
        raise ValueError(f"reshape pooling needs windows that tile the input (pool_height == pool_width == stride), "
                         f"got pool_height={ph}, pool_width={pw}, stride={stride}")
    ### BEGIN SOLUTION
    N, C = x.shape[:2]
    first, *others = _block_taps(x.reshape(N, C, H_out, ph, W_out, pw))
    out = first.copy()
    for tap in others:
        np.maximum(out, tap, out=out)
    cache = (x, out, ph, pw)
    ### END SOLUTION
    return out, cache


def max_pool_backward_reshape(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of :func:`max_pool_forward_reshape`; ties go to the first maximum."""
    x, out, ph, pw = cache
    require_shape("dout", dout, out.shape)
    ### BEGIN SOLUTION
    N, C, H_out, W_out = out.shape
    dx = np.empty(x.shape, dtype=np.result_type(x, dout))
    blocks_shape = (N, C, H_out, ph, W_out, pw)
    _route_to_first_max(_block_taps(x.reshape(blocks_shape)), out, dout, _block_taps(dx.reshape(blocks_shape)))
    ### END SOLUTION
    return dx


def max_pool_forward_im2col(x: np.ndarray, pool_param: dict[str, Any]) -> tuple[np.ndarray, Cache]:
    """Max pooling of any validated geometry (overlapping or not) on im2col columns."""
    ph, pw, stride, H_out, W_out = _pool_geometry(x, pool_param)
    im2col_cython = im2col_extension().im2col_cython
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    cols = im2col_cython(x.reshape(N * C, 1, H, W), ph, pw, 0, stride)
    window_max = cols.max(axis=0)
    out = window_max.reshape(N, C, H_out, W_out).astype(x.dtype, copy=False)
    cache = (x, cols, window_max, ph, pw, stride)
    ### END SOLUTION
    return out, cache


def max_pool_backward_im2col(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of :func:`max_pool_forward_im2col`; ties go to the first maximum."""
    x, cols, window_max, ph, pw, stride = cache
    N, C, H, W = x.shape
    require_shape("dout", dout, (N, C, (H - ph) // stride + 1, (W - pw) // stride + 1))
    col2im_cython = im2col_extension().col2im_cython
    ### BEGIN SOLUTION
    dcols = np.empty(cols.shape, dtype=_compute_dtype(cols, dout))
    _route_to_first_max(cols, window_max, dout.reshape(-1), dcols)
    dx = col2im_cython(dcols, N * C, 1, H, W, ph, pw, 0, stride).reshape(x.shape)
    ### END SOLUTION
    return dx


def _max_pool_backward_compiled(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of the compiled max pool: each window's gradient goes to its recorded first maximum."""
    x_shape, x_dtype, argmax = cache
    require_shape("dout", dout, argmax.shape)
    dout = np.asarray(dout, dtype=np.result_type(x_dtype, dout))
    return im2col_extension().max_pool_backward_cython(dout, argmax, x_shape[2], x_shape[3])


def max_pool_forward_fast(x: np.ndarray, pool_param: dict[str, Any]) -> tuple[np.ndarray, Cache]:
    """Max pooling: compiled for float32/float64 images (any geometry, one pass that also records
    each window's first maximum); other dtypes take the reshape path when the windows tile the
    input, the im2col path otherwise.

    Same arguments and results as :func:`numnet.layers.max_pool_forward_naive`.
    """
    ph, pw, stride, _, _ = _pool_geometry(x, pool_param)
    if x.dtype in (np.float32, np.float64):
        out, argmax = im2col_extension().max_pool_cython(x, ph, pw, stride)
        return out, ("compiled", (x.shape, x.dtype, argmax))
    if _tiles(ph, pw, stride):
        out, cache = max_pool_forward_reshape(x, pool_param)
        return out, ("reshape", cache)
    out, cache = max_pool_forward_im2col(x, pool_param)
    return out, ("im2col", cache)


def max_pool_backward_fast(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of :func:`max_pool_forward_fast`."""
    path, path_cache = cache
    backward = {"compiled": _max_pool_backward_compiled, "reshape": max_pool_backward_reshape,
                "im2col": max_pool_backward_im2col}[path]
    return backward(dout, path_cache)
