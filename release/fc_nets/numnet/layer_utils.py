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
Forward = Callable[..., tuple[np.ndarray, Cache]]
Backward = Callable[..., tuple[np.ndarray, ...]]


def _layer_relu_forward(layer_forward: Forward, *layer_args: Any) -> tuple[np.ndarray, Cache]:
    """``layer_forward(*layer_args)`` followed by a ReLU."""
    a, layer_cache = layer_forward(*layer_args)
    out, relu_cache = relu_forward(a)
    cache = (layer_cache, relu_cache)
    return out, cache


def _layer_relu_backward(layer_backward: Backward, dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, ...]:
    """Backward pass of :func:`_layer_relu_forward`; returns the layer's gradients."""
    layer_cache, relu_cache = cache
    grads = layer_backward(relu_backward(dout, relu_cache), layer_cache)
    return grads


def _layer_norm_relu_forward(
    layer_forward: Forward, norm_forward: Forward, layer_args: tuple,
    gamma: np.ndarray, beta: np.ndarray, norm_param: Params,
) -> tuple[np.ndarray, Cache]:
    """``layer_forward(*layer_args)``, then the normalization ``norm_forward``, then ReLU."""
    a, layer_cache = layer_forward(*layer_args)
    a_norm, norm_cache = norm_forward(a, gamma, beta, norm_param)
    out, relu_cache = relu_forward(a_norm)
    cache = (layer_cache, norm_cache, relu_cache)
    return out, cache


def _layer_norm_relu_backward(
    layer_backward: Backward, norm_backward: Backward, dout: np.ndarray, cache: Cache
) -> tuple[np.ndarray, ...]:
    """Backward pass of :func:`_layer_norm_relu_forward`: the layer's gradients, then ``dgamma, dbeta``."""
    layer_cache, norm_cache, relu_cache = cache
    da, dgamma, dbeta = norm_backward(relu_backward(dout, relu_cache), norm_cache)
    grads = (*layer_backward(da, layer_cache), dgamma, dbeta)
    return grads


def affine_relu_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, Cache]:
    """Affine layer followed by a ReLU."""
    return _layer_relu_forward(affine_forward, x, w, b)


def affine_relu_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, ...]:
    """Backward pass of :func:`affine_relu_forward`; returns ``dx, dw, db``."""
    return _layer_relu_backward(affine_backward, dout, cache)


def affine_bn_relu_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: Params
) -> tuple[np.ndarray, Cache]:
    """Affine layer, batch normalization, ReLU."""
    return _layer_norm_relu_forward(affine_forward, batchnorm_forward, (x, w, b), gamma, beta, bn_param)


def affine_bn_relu_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, ...]:
    """Backward pass of :func:`affine_bn_relu_forward`; returns ``dx, dw, db, dgamma, dbeta``."""
    return _layer_norm_relu_backward(affine_backward, batchnorm_backward_alt, dout, cache)


def affine_ln_relu_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, gamma: np.ndarray, beta: np.ndarray, ln_param: Params
) -> tuple[np.ndarray, Cache]:
    """Affine layer, layer normalization, ReLU."""
    return _layer_norm_relu_forward(affine_forward, layernorm_forward, (x, w, b), gamma, beta, ln_param)


def affine_ln_relu_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, ...]:
    """Backward pass of :func:`affine_ln_relu_forward`; returns ``dx, dw, db, dgamma, dbeta``."""
    return _layer_norm_relu_backward(affine_backward, layernorm_backward, dout, cache)


def conv_relu_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: Params) -> tuple[np.ndarray, Cache]:
    """Convolution followed by a ReLU."""
    return _layer_relu_forward(conv_forward_fast, x, w, b, conv_param)


def conv_relu_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, ...]:
    """Backward pass of :func:`conv_relu_forward`; returns ``dx, dw, db``."""
    return _layer_relu_backward(conv_backward_fast, dout, cache)


def conv_bn_relu_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, gamma: np.ndarray, beta: np.ndarray,
    conv_param: Params, bn_param: Params,
) -> tuple[np.ndarray, Cache]:
    """Convolution, spatial batch normalization, ReLU."""
    return _layer_norm_relu_forward(
        conv_forward_fast, spatial_batchnorm_forward, (x, w, b, conv_param), gamma, beta, bn_param
    )


def conv_bn_relu_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, ...]:
    """Backward pass of :func:`conv_bn_relu_forward`; returns ``dx, dw, db, dgamma, dbeta``."""
    return _layer_norm_relu_backward(conv_backward_fast, spatial_batchnorm_backward, dout, cache)


def conv_relu_pool_forward(
    x: np.ndarray, w: np.ndarray, b: np.ndarray, conv_param: Params, pool_param: Params
) -> tuple[np.ndarray, Cache]:
    """Convolution, ReLU, max pool."""
    a, conv_relu_cache = conv_relu_forward(x, w, b, conv_param)
    out, pool_cache = max_pool_forward_fast(a, pool_param)
    cache = (conv_relu_cache, pool_cache)
    return out, cache


def conv_relu_pool_backward(dout: np.ndarray, cache: Cache) -> tuple[np.ndarray, ...]:
    """Backward pass of :func:`conv_relu_pool_forward`; returns ``dx, dw, db``."""
    conv_relu_cache, pool_cache = cache
    grads = conv_relu_backward(max_pool_backward_fast(dout, pool_cache), conv_relu_cache)
    return grads
