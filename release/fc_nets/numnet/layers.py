"""Reference layers with the CS231n calling convention.

Every ``*_forward`` returns ``(out, cache)`` and every ``*_backward`` takes
``(dout, cache)`` and returns the gradients with respect to the forward's inputs,
in the order of the forward's arguments. Losses return ``(loss, dx)``.

The body of each layer sits between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
so that an assignment release can replace it with a stub; argument checks stay
outside the markers and ship with the release.

Rules
-----
- ``layers.untouched``: no function modifies its array arguments; the one argument
  a layer changes is the ``bn_param`` dict, where batch normalization writes its
  running averages back.
- ``layers.float32``: outputs and gradients keep the floating dtype of the inputs:
  float32 in, float32 out (a loss's ``dx`` too); float64 in, float64 out.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ._validate import (
    mode_of,
    positive_int,
    require_labels,
    require_ndim,
    require_shape,
    window_count,
)

Cache = Any


def affine_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, Cache]:
    """Fully connected layer ``out = x.reshape(N, D) @ w + b``.

    Parameters
    ----------
    x : ndarray, shape (N, d_1, ..., d_k)
        Input minibatch; each example is flattened to ``D = d_1 * ... * d_k`` values.
    w : ndarray, shape (D, M)
        Weights.
    b : ndarray, shape (M,)
        Biases.

    Returns
    -------
    out : ndarray, shape (N, M)
    cache : object
        What :func:`affine_backward` needs.

    Rules
    -----
    - ``affine.forward``: ``out = x.reshape(N, D) @ w + b`` for ``x`` with any number of
      axes after the batch axis, a batch of one example included.
    """
    if np.ndim(x) < 1:
        raise ValueError(f"x must have a batch axis, got shape {np.shape(x)}")
    require_ndim("w", w, 2)
    D, M = w.shape
    if int(np.prod(x.shape[1:])) != D:
        raise ValueError(f"x of shape {x.shape} has {int(np.prod(x.shape[1:]))} features per example, w expects {D}")
    require_shape("b", b, (M,))
    raise NotImplementedError("not implemented yet")
    return out, cache


def affine_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`affine_forward`.

    Parameters
    ----------
    dout : ndarray, shape (N, M)
        Upstream gradient.
    cache : object
        From :func:`affine_forward`.

    Returns
    -------
    dx : ndarray, shape (N, d_1, ..., d_k)
    dw : ndarray, shape (D, M)
    db : ndarray, shape (M,)

    Rules
    -----
    - ``affine.backward``: the gradients of :func:`affine_forward`'s output, weighted by
      ``dout``, with respect to ``x`` (in the shape of ``x``), ``w`` and ``b``.
    """
    raise NotImplementedError("not implemented yet")
    return dx, dw, db


def relu_forward(x: np.ndarray) -> tuple[np.ndarray, Cache]:
    """Rectified linear unit, ``out = max(x, 0)`` elementwise.

    Returns
    -------
    out : ndarray, same shape and dtype as ``x``
    cache : object

    Rules
    -----
    - ``relu.forward``: ``out = max(x, 0)`` elementwise, in the shape and dtype of ``x``.
    """
    raise NotImplementedError("not implemented yet")
    return out, cache


def relu_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of :func:`relu_forward`.

    Rules
    -----
    - ``relu.backward``: ``dx = dout`` where ``x > 0``, else 0.
    - ``relu.zero``: where ``x`` is exactly 0 no gradient passes (``dx`` is 0 there).
    """
    raise NotImplementedError("not implemented yet")
    return dx


def softmax_loss(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of the softmax of the scores ``x``.

    Parameters
    ----------
    x : ndarray, shape (N, C)
        Class scores.
    y : ndarray of int, shape (N,)
        Correct class of each example, ``0 <= y[i] < C``.

    Returns
    -------
    loss : float
    dx : ndarray, shape (N, C)
        Gradient of the loss with respect to ``x``.

    Rules
    -----
    - ``softmax.loss``: ``loss`` is the mean over the ``N`` examples of
      ``-log(softmax(x[i])[y[i]])`` and ``dx`` its gradient (so divided by ``N``).
    - ``softmax.stable``: scores of any magnitude (1e3 and beyond) give finite, accurate
      results: shift each row by its maximum before exponentiating.
    """
    require_ndim("x", x, 2)
    N, C = x.shape
    y = require_labels(y, N, C)
    raise NotImplementedError("not implemented yet")
    return loss, dx


def svm_loss(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean multiclass hinge loss with margin 1.

    Parameters
    ----------
    x : ndarray, shape (N, C)
        Class scores.
    y : ndarray of int, shape (N,)
        Correct class of each example.

    Returns
    -------
    loss : float
    dx : ndarray, shape (N, C)

    Rules
    -----
    - ``svm.loss``: ``loss`` is the mean over the ``N`` examples of
      ``sum over j != y[i] of max(0, x[i, j] - x[i, y[i]] + 1)`` and ``dx`` its gradient
      (so divided by ``N``).
    """
    require_ndim("x", x, 2)
    N, C = x.shape
    y = require_labels(y, N, C)
    raise NotImplementedError("not implemented yet")
    return loss, dx


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict[str, Any]
) -> tuple[np.ndarray, Cache]:
    """Batch normalization over the minibatch axis.

    In ``'train'`` mode the batch mean and (biased) variance normalize ``x`` and
    update exponential running averages; in ``'test'`` mode the running averages
    normalize ``x``::

        running_mean = momentum * running_mean + (1 - momentum) * batch_mean
        running_var  = momentum * running_var  + (1 - momentum) * batch_var

    Parameters
    ----------
    x : ndarray, shape (N, D)
    gamma, beta : ndarray, shape (D,)
        Scale and shift.
    bn_param : dict
        ``mode`` ('train' or 'test', required), ``eps`` (default 1e-5),
        ``momentum`` (default 0.9), ``running_mean`` and ``running_var`` (shape (D,),
        zeros when absent). The updated running averages are written back into it.

    Returns
    -------
    out : ndarray, shape (N, D)
    cache : object

    Rules
    -----
    - ``batchnorm.train``: in ``'train'`` mode ``x`` is normalized with the batch mean and
      the biased variance (``ddof=0``), ``eps`` (default 1e-5) added inside the square root.
    - ``batchnorm.running``: every ``'train'`` call updates ``running_mean`` and
      ``running_var`` by the formulas above (``momentum`` default 0.9, zeros when absent)
      and stores them in ``bn_param``, each of shape (D,).
    - ``batchnorm.test``: in ``'test'`` mode the running averages in ``bn_param``
      normalize ``x``; the batch statistics play no part.
    """
    mode = mode_of(bn_param)
    require_ndim("x", x, 2)
    D = x.shape[1]
    require_shape("gamma", gamma, (D,))
    require_shape("beta", beta, (D,))
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    raise NotImplementedError("not implemented yet")
    return out, cache


def batchnorm_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`batchnorm_forward`, step by step through its graph.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dgamma, dbeta : ndarray, shape (D,)

    Rules
    -----
    - ``batchnorm.backward``: :func:`batchnorm_backward` and :func:`batchnorm_backward_alt`
      both return the gradients of a ``'train'``-mode forward. Neither is graded after a
      ``'test'``-mode forward: what that forward caches is up to you.
    """
    raise NotImplementedError("not implemented yet")
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`batchnorm_forward` in the simplified closed form.

    With ``g = dout * gamma``::

        dx = inv_std / N * (N * g - sum(g) - x_hat * sum(g * x_hat))

    Returns the same values as :func:`batchnorm_backward`.
    """
    raise NotImplementedError("not implemented yet")
    return dx, dgamma, dbeta


def layernorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, ln_param: dict[str, Any]
) -> tuple[np.ndarray, Cache]:
    """Layer normalization: each example is normalized over its own features.

    Parameters
    ----------
    x : ndarray, shape (N, D)
    gamma, beta : ndarray, shape (D,)
    ln_param : dict
        ``eps`` (default 1e-5).

    Returns
    -------
    out : ndarray, shape (N, D)
    cache : object

    Rules
    -----
    - ``layernorm.forward``: each example is normalized with the mean and biased variance
      of its own features, ``eps`` from ``ln_param`` (default 1e-5) inside the square
      root; a batch of one example included.
    - ``layernorm.modes``: the output is the same at train and test time, whatever
      ``ln_param['mode']`` says; no running averages are kept.
    """
    require_ndim("x", x, 2)
    D = x.shape[1]
    require_shape("gamma", gamma, (D,))
    require_shape("beta", beta, (D,))
    eps = ln_param.get("eps", 1e-5)
    raise NotImplementedError("not implemented yet")
    return out, cache


def layernorm_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`layernorm_forward`.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dgamma, dbeta : ndarray, shape (D,)

    Rules
    -----
    - ``layernorm.backward``: the gradients of :func:`layernorm_forward` with respect to
      ``x``, ``gamma`` and ``beta``.
    """
    raise NotImplementedError("not implemented yet")
    return dx, dgamma, dbeta


def dropout_forward(x: np.ndarray, dropout_param: dict[str, Any]) -> tuple[np.ndarray, Cache]:
    """Inverted dropout.

    In ``'train'`` mode each unit is kept with probability ``p`` and the kept units
    are scaled by ``1 / p``, so that no rescaling is needed at test time; in
    ``'test'`` mode the input passes through unchanged.

    Parameters
    ----------
    x : ndarray, any shape
    dropout_param : dict
        ``p`` (keep probability, ``0 < p <= 1``, required), ``mode`` ('train' or
        'test', required), ``seed`` (optional: makes the mask reproducible without
        touching NumPy's global random state).

    Returns
    -------
    out : ndarray, same shape and dtype as ``x``
    cache : object

    Rules
    -----
    - ``dropout.train``: in ``'train'`` mode each unit is kept with probability ``p``
      (independently), kept units are scaled by ``1 / p``, the others are 0.
    - ``dropout.test``: in ``'test'`` mode the output equals ``x``.
    - ``dropout.seed``: with a ``seed``, the same seed draws the same mask and a different
      seed a different one.
    """
    mode = mode_of(dropout_param)
    if "p" not in dropout_param:
        raise ValueError(f"dropout_param needs the keep probability 'p' (got keys {sorted(dropout_param)})")
    p = dropout_param["p"]
    if not 0 < p <= 1:
        raise ValueError(f"keep probability p must lie in (0, 1], got {p!r}")
    seed = dropout_param.get("seed")
    raise NotImplementedError("not implemented yet")
    return out, cache


def dropout_backward(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of :func:`dropout_forward`: the forward's mask applied to ``dout``.

    Rules
    -----
    - ``dropout.backward``: after a ``'train'``-mode forward, ``dx = dout / p`` where that
      forward kept a unit and 0 elsewhere.
    - ``dropout.backward_test``: after a ``'test'``-mode forward, ``dx = dout``.
    """
    raise NotImplementedError("not implemented yet")
    return dx


def _conv_geometry(x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict[str, Any]) -> tuple[int, int, int, int]:
    """Check a convolution's arguments; return ``(stride, pad, H_out, W_out)``."""
    require_ndim("x", x, 4)
    require_ndim("w", w, 4)
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"x has {x.shape[1]} channels but w expects {w.shape[1]} (x {x.shape}, w {w.shape})")
    require_shape("b", b, (w.shape[0],))
    stride = positive_int(conv_param, "stride")
    pad = conv_param.get("pad")
    if isinstance(pad, bool) or not isinstance(pad, (int, np.integer)) or pad < 0:
        raise ValueError(f"pad must be a non-negative integer, got {pad!r}")
    H, W = x.shape[2:]
    HH, WW = w.shape[2:]
    H_out = window_count(H + 2 * pad, HH, stride, f"convolution height (H={H}, pad={pad})")
    W_out = window_count(W + 2 * pad, WW, stride, f"convolution width (W={W}, pad={pad})")
    return stride, int(pad), H_out, W_out


def conv_forward_naive(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: dict[str, Any]
) -> tuple[np.ndarray, Cache]:
    """Convolution (cross-correlation) of ``N`` images with ``F`` filters.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    w : ndarray, shape (F, C, HH, WW)
    b : ndarray, shape (F,)
    conv_param : dict
        ``stride`` (positive int) and ``pad`` (zero padding on every border).
        ``(H + 2 * pad - HH)`` and ``(W + 2 * pad - WW)`` must be multiples of
        ``stride``.

    Returns
    -------
    out : ndarray, shape (N, F, H', W')
        ``H' = 1 + (H + 2 * pad - HH) // stride``, likewise ``W'``.
    cache : object

    Rules
    -----
    - ``conv.forward``: ``out[n, f, i, j]`` is the sum of ``w[f]`` times the window of the
      zero-padded ``x[n]`` starting at row ``i * stride`` and column ``j * stride``, plus
      ``b[f]`` (the kernel is not flipped); any stride, ``pad >= 0`` and non-square kernels.
    """
    stride, pad, H_out, W_out = _conv_geometry(x, w, b, conv_param)
    raise NotImplementedError("not implemented yet")
    return out, cache


def conv_backward_naive(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`conv_forward_naive`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dw : ndarray, shape (F, C, HH, WW)
    db : ndarray, shape (F,)

    Rules
    -----
    - ``conv.backward``: the gradients of :func:`conv_forward_naive` with respect to ``x``,
      ``w`` and ``b``.
    """
    raise NotImplementedError("not implemented yet")
    return dx, dw, db


def _pool_geometry(x: np.ndarray, pool_param: dict[str, Any]) -> tuple[int, int, int, int, int]:
    """Check a pool's arguments; return ``(pool_height, pool_width, stride, H_out, W_out)``."""
    require_ndim("x", x, 4)
    ph = positive_int(pool_param, "pool_height")
    pw = positive_int(pool_param, "pool_width")
    stride = positive_int(pool_param, "stride")
    H_out = window_count(x.shape[2], ph, stride, "max-pool height")
    W_out = window_count(x.shape[3], pw, stride, "max-pool width")
    return ph, pw, stride, H_out, W_out


def max_pool_forward_naive(x: np.ndarray, pool_param: dict[str, Any]) -> tuple[np.ndarray, Cache]:
    """Max pooling over ``pool_height x pool_width`` windows.

    Windows may overlap (stride smaller than the window) and need not be square.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    pool_param : dict
        ``pool_height``, ``pool_width`` and ``stride`` (positive ints);
        ``(H - pool_height)`` and ``(W - pool_width)`` must be multiples of ``stride``.

    Returns
    -------
    out : ndarray, shape (N, C, H', W')
        ``H' = 1 + (H - pool_height) // stride``, likewise ``W'``.
    cache : object

    Rules
    -----
    - ``pool.forward``: ``out[n, c, i, j]`` is the maximum of the window of ``x[n, c]``
      starting at row ``i * stride`` and column ``j * stride``, also for overlapping and
      non-square windows.
    """
    ph, pw, stride, H_out, W_out = _pool_geometry(x, pool_param)
    raise NotImplementedError("not implemented yet")
    return out, cache


def max_pool_backward_naive(dout: np.ndarray, cache: Cache) -> np.ndarray:
    """Backward pass of :func:`max_pool_forward_naive`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)

    Rules
    -----
    - ``pool.backward``: each window's ``dout`` goes to the position of its maximum; where
      windows overlap the contributions add up.
    - ``pool.ties``: when several entries tie for a window's maximum, its ``dout`` goes to
      the first of them in row-major order, and only to it.
    """
    raise NotImplementedError("not implemented yet")
    return dx


def spatial_batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict[str, Any]
) -> tuple[np.ndarray, Cache]:
    """Batch normalization of each channel over the batch and both spatial axes.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    gamma, beta : ndarray, shape (C,)
    bn_param : dict
        As for :func:`batchnorm_forward`; running averages have shape (C,).

    Returns
    -------
    out : ndarray, shape (N, C, H, W)
    cache : object

    Rules
    -----
    - ``spatial_batchnorm.train``: in ``'train'`` mode each channel is normalized with the
      mean and biased variance over the batch and both spatial axes (``eps`` as for
      :func:`batchnorm_forward`).
    - ``spatial_batchnorm.running``: every ``'train'`` call updates the running averages as
      :func:`batchnorm_forward` does, stored in ``bn_param`` with shape (C,).
    - ``spatial_batchnorm.test``: in ``'test'`` mode the running averages normalize ``x``.
    """
    require_ndim("x", x, 4)
    C = x.shape[1]
    require_shape("gamma", gamma, (C,))
    require_shape("beta", beta, (C,))
    raise NotImplementedError("not implemented yet")
    return out, cache


def spatial_batchnorm_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`spatial_batchnorm_forward`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dgamma, dbeta : ndarray, shape (C,)

    Rules
    -----
    - ``spatial_batchnorm.backward``: the gradients of a ``'train'``-mode forward. It is
      not graded after a ``'test'``-mode forward: what that forward caches is up to you.
    """
    raise NotImplementedError("not implemented yet")
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, G: int, gn_param: dict[str, Any]
) -> tuple[np.ndarray, Cache]:
    """Group normalization: each example's channels are split into ``G`` groups,
    and each group is normalized over its channels and both spatial axes.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    gamma, beta : ndarray, shape (1, C, 1, 1)
    G : int
        Number of groups; must divide ``C``.
    gn_param : dict
        ``eps`` (default 1e-5).

    Returns
    -------
    out : ndarray, shape (N, C, H, W)
    cache : object

    Rules
    -----
    - ``groupnorm.forward``: group ``g`` holds channels ``g * C // G`` to
      ``(g + 1) * C // G - 1``; each example's group is normalized with its mean and biased
      variance (``eps`` inside the square root), for every ``G`` dividing ``C`` (1 and ``C``
      included).
    """
    require_ndim("x", x, 4)
    N, C, H, W = x.shape
    require_shape("gamma", gamma, (1, C, 1, 1))
    require_shape("beta", beta, (1, C, 1, 1))
    if isinstance(G, bool) or not isinstance(G, (int, np.integer)) or G < 1 or C % G:
        raise ValueError(f"G must be a positive integer dividing C={C}, got G={G!r}")
    eps = gn_param.get("eps", 1e-5)
    raise NotImplementedError("not implemented yet")
    return out, cache


def spatial_groupnorm_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`spatial_groupnorm_forward`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dgamma, dbeta : ndarray, shape (1, C, 1, 1)

    Rules
    -----
    - ``groupnorm.backward``: the gradients of :func:`spatial_groupnorm_forward` with
      respect to ``x``, ``gamma`` and ``beta``.
    """
    raise NotImplementedError("not implemented yet")
    return dx, dgamma, dbeta
