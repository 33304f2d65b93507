"""A three-layer convolutional network."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..fast_layers import max_pool_backward_fast, max_pool_forward_fast
from ..layer_utils import (
    affine_relu_backward,
    affine_relu_forward,
    conv_bn_relu_backward,
    conv_bn_relu_forward,
    conv_relu_pool_backward,
    conv_relu_pool_forward,
)
from ..layers import affine_backward, affine_forward, softmax_loss
from ._common import l2_penalty, prepare_batch

POOL_PARAM = {"pool_height": 2, "pool_width": 2, "stride": 2}


class ThreeLayerConvNet:
    """``conv - [spatial batchnorm] - relu - 2x2 max pool - affine - relu - affine - softmax``.

    The convolution has stride 1 and zero padding ``(filter_size - 1) // 2``, so
    odd filter sizes keep the spatial size; the pool then halves it.

    Parameters
    ----------
    input_dim : tuple (C, H, W)
    num_filters : int
    filter_size : int
        Height and width of the square filters.
    hidden_dim : int
        Units in the hidden affine layer.
    num_classes : int
    weight_scale : float
        Standard deviation of the normal weight initialisation (biases start at 0).
    reg : float
        L2 strength; the loss adds ``0.5 * reg * sum(W ** 2)`` over ``W1..W3``.
    dtype : numpy dtype
        Parameters and inputs are cast to it; float64 for gradient checks.
    use_batchnorm : bool
        Spatial batch normalization after the convolution, with parameters
        ``gamma1``/``beta1`` and running averages in ``bn_param``.

    Rules
    -----
    - ``cnn.init``: ``params`` holds ``W1`` (num_filters, C, filter_size, filter_size),
      ``W2`` (pooled features, hidden_dim), ``W3`` (hidden_dim, num_classes), their biases
      and, with batch norm, ``gamma1`` (ones) and ``beta1`` (zeros); weights are drawn
      from a normal distribution with standard deviation ``weight_scale``, biases are 0.
    - ``cnn.overfit``: plain gradient descent on the gradients ``loss(X, y)`` returns
      (full batches) fits a small set of images with more pixels than examples: the
      parameters it ends with classify at least 90% of the training images correctly.
    """

    def __init__(
        self,
        input_dim: tuple[int, int, int] = (3, 32, 32),
        num_filters: int = 32,
        filter_size: int = 7,
        hidden_dim: int = 100,
        num_classes: int = 10,
        weight_scale: float = 1e-3,
        reg: float = 0.0,
        dtype: Any = np.float32,
        use_batchnorm: bool = False,
    ) -> None:
        C, H, W = input_dim
        pad = (filter_size - 1) // 2
        conv_h, conv_w = H + 2 * pad - filter_size + 1, W + 2 * pad - filter_size + 1
        if min(conv_h, conv_w) < 2:
            raise ValueError(f"input_dim {input_dim} is too small for filter_size {filter_size} and a 2x2 pool")
        self.conv_param = {"stride": 1, "pad": pad}
        self.pool_param = dict(POOL_PARAM)
        self.use_batchnorm = use_batchnorm
        self.bn_param: dict[str, Any] = {"mode": "train"} if use_batchnorm else {}
        self.reg = reg
        self.dtype = dtype
        self.params: dict[str, np.ndarray] = {}
        pooled_features = num_filters * ((conv_h - 2) // 2 + 1) * ((conv_w - 2) // 2 + 1)
        raise NotImplementedError("not implemented yet")
        for name, value in self.params.items():
            self.params[name] = value.astype(dtype)

    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        """Forward pass on images ``X`` of shape (N, C, H, W).

        Without labels ``y`` (test mode: batchnorm uses its running averages) the
        class scores, shape (N, num_classes), are returned. With labels of shape
        (N,) (training mode) the result is ``(loss, grads)``, where ``grads``
        holds one gradient per entry of ``params``.

        Rules
        -----
        - ``cnn.loss``: with ``y``, ``loss`` is the softmax loss of the scores plus
          ``0.5 * reg * sum(W ** 2)`` over ``W1..W3``, and ``grads[k]`` is its gradient with
          respect to ``params[k]``.
        - ``cnn.scores``: without ``y``, the class scores of a test-mode pass; batch norm
          normalizes with the running averages in ``bn_param`` (those the training calls
          left, or those set there).
        """
        X, mode = prepare_batch(X, y, self.dtype)
        if self.use_batchnorm:
            self.bn_param["mode"] = mode
        raise NotImplementedError("not implemented yet")
        return loss, grads
