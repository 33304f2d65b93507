"""Sandwich layers: chains of layers that networks use together.

Each ``*_forward`` returns ``(out, cache)`` and each ``*_backward(dout, cache)``
returns the gradients with respect to the forward's array arguments, in order.
Convolutions and pools run on :mod:`numnet.fast_layers`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .fast_layers import conv_backward_fast, conv_forward_fast, max_pool_backward_fast, max_pool_forward_fast
from .layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward_alt,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
    relu_backward,
    relu_forward,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)

Cache = Any
Params = dict[str, Any]
NormForward = Callable[[np.ndarray, np.ndarray, np.ndarray, Params], tuple[np.ndarray, Cache]]
NormBackward = Callable[[np.ndarray, Cache], tuple[np.ndarray, np.ndarray, np.ndarray]]


def affine_relu_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, Cache]:
    """Affine layer followed by a ReLU."""
    ### BEGIN SOLUTION
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    ### END SOLUTION
    return out, cache


def affine_relu_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`affine_relu_forward`; returns ``dx, dw, db``."""
    ### BEGIN SOLUTION
    fc_cache, relu_cache = cache
    dx, dw, db = affine_backward(relu_backward(dout, relu_cache), fc_cache)
    ### END SOLUTION
    return dx, dw, db


def _affine_norm_relu_forward(
    norm_forward: NormForward, x: np.ndarray, w: np.ndarray, b: np.ndarray,
    gamma: np.ndarray, beta: np.ndarray, norm_param: Params,
) -> tuple[np.ndarray, Cache]:
    """Affine, then the normalization ``norm_forward``, then ReLU."""
    ### BEGIN SOLUTION
    a, fc_cache = affine_forward(x, w, b)
    a_norm, norm_cache = norm_forward(a, gamma, beta, norm_param)
    out, relu_cache = relu_forward(a_norm)
    cache = (fc_cache, norm_cache, relu_cache)
    ### END SOLUTION
    return out, cache


def _affine_norm_relu_backward(
    norm_backward: NormBackward, dout: np.ndarray, cache: Cache
) -> tuple[np.ndarray, ...]:
    """Backward pass of :func:`_affine_norm_relu_forward`; returns ``dx, dw, db, dgamma, dbeta``."""
    ### BEGIN SOLUTION
    fc_cache, norm_cache, relu_cache = cache
    da_norm = relu_backward(dout, relu_cache)
    da, dgamma, dbeta = norm_backward(da_norm, norm_cache)
    dx, dw, db = affine_backward(da, fc_cache)
    ### END SOLUTION
    return dx, dw, db, dgamma, dbeta


def affine_bn_relu_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: Params
) -> tuple[np.ndarray, Cache]:
    """Affine layer, batch normalization, ReLU."""
    return _affine_norm_relu_forward(batchnorm_forward, x, w, b, gamma, beta, bn_param)


def affine_bn_relu_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, ...]:
    """Backward pass of :func:`affine_bn_relu_forward`; returns ``dx, dw, db, dgamma, dbeta``."""
    return _affine_norm_relu_backward(batchnorm_backward_alt, dout, cache)


def affine_ln_relu_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, gamma: np.ndarray, beta: np.ndarray, ln_param: Params
) -> tuple[np.ndarray, Cache]:
    """Affine layer, layer normalization, ReLU."""
    return _affine_norm_relu_forward(layernorm_forward, x, w, b, gamma, beta, ln_param)


def affine_ln_relu_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, ...]:
    """Backward pass of :func:`affine_ln_relu_forward`; returns ``dx, dw, db, dgamma, dbeta``."""
    return _affine_norm_relu_backward(layernorm_backward, dout, cache)


def conv_relu_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: Params
) -> tuple[np.ndarray, Cache]:
    """Convolution followed by a ReLU."""
    ### BEGIN SOLUTION
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    out, relu_cache = relu_forward(a)
    cache = (conv_cache, relu_cache)
    ### END SOLUTION
    return out, cache


def conv_relu_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`conv_relu_forward`; returns ``dx, dw, db``."""
    ### BEGIN SOLUTION
    conv_cache, relu_cache = cache
    dx, dw, db = conv_backward_fast(relu_backward(dout, relu_cache), conv_cache)
    ### END SOLUTION
    return dx, dw, db


def conv_bn_relu_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
    conv_param: Params, bn_param: Params,
) -> tuple[np.ndarray, Cache]:
    """Convolution, spatial batch normalization, ReLU."""
    ### BEGIN SOLUTION
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    a_norm, bn_cache = spatial_batchnorm_forward(a, gamma, beta, bn_param)
    out, relu_cache = relu_forward(a_norm)
    cache = (conv_cache, bn_cache, relu_cache)
    ### END SOLUTION
    return out, cache


def conv_bn_relu_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, ...]:
    """Backward pass of :func:`conv_bn_relu_forward`; returns ``dx, dw, db, dgamma, dbeta``."""
    ### BEGIN SOLUTION
    conv_cache, bn_cache, relu_cache = cache
    da, dgamma, dbeta = spatial_batchnorm_backward(relu_backward(dout, relu_cache), bn_cache)
    dx, dw, db = conv_backward_fast(da, conv_cache)
    ### END SOLUTION
    return dx, dw, db, dgamma, dbeta


def conv_relu_pool_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: Params, pool_param: Params
) -> tuple[np.ndarray, Cache]:
    """Convolution, ReLU, max pool."""
    ### BEGIN SOLUTION
    a, conv_relu_cache = conv_relu_forward(x, w, b, conv_param)
    out, pool_cache = max_pool_forward_fast(a, pool_param)
    cache = (conv_relu_cache, pool_cache)
    ### END SOLUTION
    return out, cache


def conv_relu_pool_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`conv_relu_pool_forward`; returns ``dx, dw, db``."""
    ### BEGIN SOLUTION
    conv_relu_cache, pool_cache = cache
    dx, dw, db = conv_relu_backward(max_pool_backward_fast(dout, pool_cache), conv_relu_cache)
    ### END SOLUTION
    return dx, dw, db
