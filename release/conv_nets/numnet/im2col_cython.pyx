# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled im2col and col2im for float32 and float64 images.

Column layout (shared with :mod:`numnet.im2col`): ``cols`` has one row per
filter tap ``(c, i, j)`` -- row ``(c * field_height + i) * field_width + j`` -- and
one column per output position ``(n, y, x)`` -- column ``(n * H_out + y) * W_out + x``.
Viewed as 6-D it is ``(C, field_height, field_width, N, H_out, W_out)``, so
``w.reshape(F, -1) @ cols`` is a convolution whose result has shape
``(F, N, H_out, W_out)``.

Zero padding is applied on the fly: no padded copy of the image is made.
The ``*_inner`` functions hold the loops and run without the GIL; the public
functions check their arguments and allocate the outputs.
"""
import numpy as np

from cython cimport floating

from ._validate import window_count


def _output_size(size, field, padding, stride, what):
    """Window positions along one axis, after checking the arguments fit."""
    for name, value, least in (("field size", field, 1), ("padding", padding, 0), ("stride", stride, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
    return window_count(size + 2 * padding, field, stride, f"{what} (size {size}, padding {padding})")


def _float_array(array):
    """``array`` as a C-contiguous float32/float64 array (other dtypes become float64)."""
    array = np.asarray(array)
    if array.dtype not in (np.float32, np.float64):
        array = array.astype(np.float64)
    return np.ascontiguousarray(array)


cdef inline void _valid_span(Py_ssize_t offset, Py_ssize_t size, Py_ssize_t count, Py_ssize_t stride,
                             Py_ssize_t* first, Py_ssize_t* stop) noexcept nogil:
    """Output positions ``k`` in ``[first, stop)`` for which ``k * stride + offset`` lies in ``[0, size)``."""
    cdef Py_ssize_t lo = 0, hi
    if offset < 0:
        lo = (-offset + stride - 1) // stride
    hi = (size - 1 - offset) // stride + 1 if size - 1 - offset >= 0 else 0
    first[0] = min(lo, count)
    stop[0] = max(first[0], min(hi, count))


def im2col_cython(x, field_height, field_width, padding, stride):
    """Unfold every receptive field of ``x`` into a column.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Images (float32 stays float32; other dtypes are computed in float64).
    field_height, field_width : int
        Size of the receptive field.
    padding : int
        Zeros added on every border.
    stride : int
        Step between neighbouring fields.

    Returns
    -------
    cols : ndarray, shape (C * field_height * field_width, N * H_out * W_out)

    Rules
    -----
    - ``im2col.layout``: ``cols`` holds every receptive field of the zero-padded ``x``
      in the layout of the module docstring.
    - ``im2col.float32``: float32 images give float32 columns.
    - ``im2col.untouched``: ``x`` is only read, never modified.
    """
    if np.ndim(x) != 4:
        raise ValueError(f"x must be 4-D (N, C, H, W), got shape {np.shape(x)}")
    x = _float_array(x)
    N, C, H, W = x.shape
    H_out = _output_size(H, field_height, padding, stride, "im2col height")
    W_out = _output_size(W, field_width, padding, stride, "im2col width")
    cols = np.empty((C * field_height * field_width, N * H_out * W_out), dtype=x.dtype)
    im2col_cython_inner(cols, x, field_height, field_width, padding, stride, H_out, W_out)
    return cols


def im2col_cython_inner(floating[:, ::1] cols, const floating[:, :, :, ::1] x, Py_ssize_t field_height,
                        Py_ssize_t field_width, Py_ssize_t padding, Py_ssize_t stride,
                        Py_ssize_t H_out, Py_ssize_t W_out):
    """Fill ``cols`` (layout in the module docstring) from the unpadded images ``x``."""
    raise NotImplementedError("not implemented yet")


def col2im_cython(cols, N, C, H, W, field_height, field_width, padding, stride):
    """Fold columns back into images, summing the entries that share a pixel.

    The adjoint of :func:`im2col_cython`: it accumulates ``cols`` of shape
    ``(C * field_height * field_width, N * H_out * W_out)`` into an array of shape
    ``(N, C, H, W)`` (padding is dropped).
    """
    H_out = _output_size(H, field_height, padding, stride, "col2im height")
    W_out = _output_size(W, field_width, padding, stride, "col2im width")
    expected = (C * field_height * field_width, N * H_out * W_out)
    if np.shape(cols) != expected:
        raise ValueError(f"cols must have shape {expected}, got {np.shape(cols)}")
    return col2im_6d_cython(np.reshape(cols, (C, field_height, field_width, N, H_out, W_out)),
                            N, C, H, W, field_height, field_width, padding, stride)


def col2im_6d_cython(cols, N, C, H, W, HH, WW, pad, stride):
    """:func:`col2im_cython` for columns given as ``(C, HH, WW, N, H_out, W_out)``."""
    H_out = _output_size(H, HH, pad, stride, "col2im height")
    W_out = _output_size(W, WW, pad, stride, "col2im width")
    expected = (C, HH, WW, N, H_out, W_out)
    if np.shape(cols) != expected:
        raise ValueError(f"cols must have shape {expected}, got {np.shape(cols)}")
    cols = _float_array(cols)
    x = np.zeros((N, C, H, W), dtype=cols.dtype)
    col2im_cython_inner(x, cols.reshape(C * HH * WW, N * H_out * W_out), HH, WW, pad, stride, H_out, W_out)
    return x


def col2im_cython_inner(floating[:, :, :, ::1] x, const floating[:, ::1] cols, Py_ssize_t field_height,
                        Py_ssize_t field_width, Py_ssize_t padding, Py_ssize_t stride,
                        Py_ssize_t H_out, Py_ssize_t W_out):
    """Add every entry of ``cols`` (layout in the module docstring) to its pixel of ``x``."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t c, i, j, n, y, k, row, h, x_first, x_stop
    cdef const floating* src
    cdef floating* dst
    with nogil:
        for c in range(C):
            for i in range(field_height):
                for j in range(field_width):
                    row = (c * field_height + i) * field_width + j
                    _valid_span(j - padding, W, W_out, stride, &x_first, &x_stop)
                    for n in range(N):
                        for y in range(H_out):
                            h = y * stride + i - padding
                            if h < 0 or h >= H:
                                continue
                            src = &cols[row, (n * H_out + y) * W_out]
                            dst = &x[n, c, h, 0]
                            if stride == 1:  # constant strides let the compiler vectorize
                                for k in range(x_first, x_stop):
                                    dst[k + j - padding] += src[k]
                            elif stride == 2:
                                for k in range(x_first, x_stop):
                                    dst[2 * k + j - padding] += src[k]
                            else:
                                for k in range(x_first, x_stop):
                                    dst[k * stride + j - padding] += src[k]


def max_pool_cython(x, pool_height, pool_width, stride):
    """Max pooling of float32/float64 images, and where each maximum was found.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
        Images (float32 stays float32; other dtypes are computed in float64).
    pool_height, pool_width, stride : int
        Window size and step; the windows must fit the images exactly.

    Returns
    -------
    out : ndarray, shape (N, C, H_out, W_out)
        The maximum of every window (NaN when the window holds a NaN, like ``np.max``).
    argmax : ndarray of intp, shape (N, C, H_out, W_out)
        Flat index ``h * W + w``, within its ``(H, W)`` plane, of every window's first
        maximum in row-major order (its first NaN, if any, like ``np.argmax``).
    """
    if np.ndim(x) != 4:
        raise ValueError(f"x must be 4-D (N, C, H, W), got shape {np.shape(x)}")
    x = _float_array(x)
    N, C, H, W = x.shape
    H_out = _output_size(H, pool_height, 0, stride, "max-pool height")
    W_out = _output_size(W, pool_width, 0, stride, "max-pool width")
    out = np.empty((N * C, H_out, W_out), dtype=x.dtype)
    argmax = np.empty((N * C, H_out, W_out), dtype=np.intp)
    if x.dtype == np.float32:
        _max_pool_planes[float](x.reshape(N * C, H, W), out, argmax, pool_height, pool_width, stride)
    else:
        _max_pool_planes[double](x.reshape(N * C, H, W), out, argmax, pool_height, pool_width, stride)
    return out.reshape(N, C, H_out, W_out), argmax.reshape(N, C, H_out, W_out)


cdef void _max_pool_planes(const floating[:, :, ::1] x, floating[:, :, ::1] out, Py_ssize_t[:, :, ::1] argmax,
                           Py_ssize_t pool_height, Py_ssize_t pool_width, Py_ssize_t stride) noexcept nogil:
    """:func:`max_pool_cython` on ``(planes, H, W)`` images."""
    cdef Py_ssize_t W = x.shape[2], H_out = out.shape[1], W_out = out.shape[2]
    cdef Py_ssize_t p, y, k, i, j, corner, at, best_at, taken
    cdef const floating* plane
    cdef floating best, value
    cdef bint nan
    for p in range(x.shape[0]):
        plane = &x[p, 0, 0]
        for y in range(H_out):
            for k in range(W_out):
                corner = y * stride * W + k * stride
                best, best_at, nan = plane[corner], corner, False
                for i in range(pool_height):
                    for j in range(pool_width):
                        at = corner + i * W + j
                        value = plane[at]
                        nan |= value != value
                        # branch-free: the comparisons are as good as random
                        taken = -<Py_ssize_t>(value > best)
                        best_at += (at - best_at) & taken
                        best = value if value > best else best
                if nan:  # the first NaN wins, like np.argmax
                    best_at = _first_nan(plane, corner, W, pool_height, pool_width)
                    best = plane[best_at]
                out[p, y, k] = best
                argmax[p, y, k] = best_at


cdef Py_ssize_t _first_nan(const floating* plane, Py_ssize_t corner, Py_ssize_t W, Py_ssize_t pool_height,
                           Py_ssize_t pool_width) noexcept nogil:
    """Index of the first NaN (row-major) of the window at ``corner``, which holds one."""
    cdef Py_ssize_t i, j
    for i in range(pool_height):
        for j in range(pool_width):
            if plane[corner + i * W + j] != plane[corner + i * W + j]:
                return corner + i * W + j
    return corner


def max_pool_backward_cython(dout, argmax, H, W):
    """Gradient of :func:`max_pool_cython`: each window's ``dout`` added to the entry at its ``argmax``.

    Parameters
    ----------
    dout : ndarray, shape (N, C, H_out, W_out)
        Upstream gradient (float32 stays float32; other dtypes become float64).
    argmax : ndarray of intp, shape (N, C, H_out, W_out)
        As returned by :func:`max_pool_cython`.
    H, W : int
        Size of the pooled images.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    """
    dout = _float_array(dout)
    if np.ndim(dout) != 4 or np.shape(argmax) != dout.shape:
        raise ValueError(f"dout and argmax must have one 4-D shape, got {dout.shape} and {np.shape(argmax)}")
    argmax = np.ascontiguousarray(argmax, dtype=np.intp)
    N, C, H_out, W_out = dout.shape
    dx = np.zeros((N * C, H * W), dtype=dout.dtype)
    if dx.dtype == np.float32:
        routed = _route_to_argmax[float](dx, dout.reshape(N * C, -1), argmax.reshape(N * C, -1))
    else:
        routed = _route_to_argmax[double](dx, dout.reshape(N * C, -1), argmax.reshape(N * C, -1))
    if not routed:
        raise ValueError(f"argmax must index a plane of {H}x{W} entries")
    return dx.reshape(N, C, H, W)


cdef bint _route_to_argmax(floating[:, ::1] dx, const floating[:, ::1] dout,
                           const Py_ssize_t[:, ::1] argmax) noexcept nogil:
    """Add ``dout[p, o]`` to ``dx[p, argmax[p, o]]`` for every plane ``p`` and window ``o``;
    False (with ``dx`` partly written) as soon as an index falls outside the plane."""
    cdef Py_ssize_t p, o, at, size = dx.shape[1]
    for p in range(dx.shape[0]):
        for o in range(dout.shape[1]):
            at = argmax[p, o]
            if at < 0 or at >= size:
                return False
            dx[p, at] += dout[p, o]
    return True
