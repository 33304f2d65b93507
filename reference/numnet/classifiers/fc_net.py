"""A fully connected network of any depth with optional normalization and dropout."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..layer_utils import (
    affine_bn_relu_backward,
    affine_bn_relu_forward,
    affine_ln_relu_backward,
    affine_ln_relu_forward,
    affine_relu_backward,
    affine_relu_forward,
)
from ..layers import affine_backward, affine_forward, dropout_backward, dropout_forward, softmax_loss
from ._common import l2_penalty, prepare_batch

NORMALIZATIONS = (None, "batchnorm", "layernorm")


class FullyConnectedNet:
    """``{affine - [norm] - relu - [dropout]} x (L - 1) - affine - softmax``.

    Parameters
    ----------
    hidden_dims : list of int
        Size of each hidden layer; ``L = len(hidden_dims) + 1`` affine layers in all.
    input_dim : int
        Features per input example (inputs of any shape are flattened).
    num_classes : int
    dropout_keep_ratio : float
        Probability of keeping a hidden unit; 1 disables dropout.
    normalization : None, 'batchnorm' or 'layernorm'
        Normalization after every hidden affine layer.
    reg : float
        L2 strength; the loss adds ``0.5 * reg * sum(W ** 2)`` over the weights.
    weight_scale : float
        Standard deviation of the normal weight initialisation (biases start at 0,
        ``gamma`` at 1, ``beta`` at 0).
    dtype : numpy dtype
        Parameters and computations use it; float64 for gradient checks.
    seed : int or None
        Makes dropout reproducible (for gradient checks).

    Attributes
    ----------
    params : dict
        ``W1..WL``, ``b1..bL`` and, with normalization, ``gamma1..`` and ``beta1..``
        for the hidden layers.
    bn_params : list of dict
        One per hidden layer when normalized (running averages for batchnorm).
    dropout_param : dict
        Passed to every dropout layer when dropout is on.

    Rules
    -----
    - ``fc_net.init``: ``params`` holds exactly the arrays named above, with the shapes
      the layer sizes imply; weights are drawn from a normal distribution with mean 0 and
      standard deviation ``weight_scale``, biases and betas are 0, gammas 1.
    - ``fc_net.overfit``: plain gradient descent on the gradients ``loss(X, y)`` returns
      (full batches) fits a small training set with more features than examples: the
      parameters it ends with classify at least 90% of the training examples correctly.
    """

    def __init__(
        self,
        hidden_dims: list[int],
        input_dim: int = 3 * 32 * 32,
        num_classes: int = 10,
        dropout_keep_ratio: float = 1,
        normalization: str | None = None,
        reg: float = 0.0,
        weight_scale: float = 1e-2,
        dtype: Any = np.float32,
        seed: int | None = None,
    ) -> None:
        if normalization not in NORMALIZATIONS:
            raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}")
        if not 0 < dropout_keep_ratio <= 1:
            raise ValueError(f"dropout_keep_ratio must lie in (0, 1], got {dropout_keep_ratio!r}")
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params: dict[str, np.ndarray] = {}
        ### BEGIN SOLUTION
        dims = [input_dim, *hidden_dims, num_classes]
        for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):
            self.params[f"W{i}"] = weight_scale * np.random.randn(fan_in, fan_out)
            self.params[f"b{i}"] = np.zeros(fan_out)
            if normalization is not None and i < self.num_layers:
                self.params[f"gamma{i}"] = np.ones(fan_out)
                self.params[f"beta{i}"] = np.zeros(fan_out)
        ### END SOLUTION
        self.dropout_param: dict[str, Any] = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed
        self.bn_params: list[dict[str, Any]] = []
        if normalization is not None:
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]
        for name, value in self.params.items():
            self.params[name] = value.astype(dtype)

    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        """Class scores for ``X``, or the loss and its gradients when ``y`` is given.

        Parameters
        ----------
        X : ndarray, shape (N, d_1, ..., d_k)
        y : ndarray of int, shape (N,), optional
            Labels. Given: training mode (batch statistics, dropout active).
            Absent: test mode.

        Returns
        -------
        scores : ndarray, shape (N, C)
            When ``y`` is None.
        loss, grads : float, dict
            Otherwise; ``grads`` has the same keys as ``params``.

        Rules
        -----
        - ``fc_net.loss``: with ``y``, ``loss`` is the softmax loss of the scores plus
          ``0.5 * reg * sum(W ** 2)`` over every weight matrix, and ``grads[k]`` is its
          gradient with respect to ``params[k]``, for each normalization.
        - ``fc_net.scores``: without ``y``, the scores of a test-mode pass: batch norm uses
          the running averages the training calls left, dropout is off.
        - ``fc_net.dropout``: with ``dropout_keep_ratio < 1`` a dropout layer follows every
          hidden ReLU in training; with a ``seed`` every call draws the same masks, so
          numeric gradients of the loss apply.
        """
        X, mode = prepare_batch(X, y, self.dtype)
        if self.use_dropout:
            self.dropout_param["mode"] = mode
        for bn_param in self.bn_params:
            bn_param["mode"] = mode
        ### BEGIN SOLUTION
        forward = {None: affine_relu_forward, "batchnorm": affine_bn_relu_forward, "layernorm": affine_ln_relu_forward}
        backward = {None: affine_relu_backward, "batchnorm": affine_bn_relu_backward, "layernorm": affine_ln_relu_backward}
        L, p = self.num_layers, self.params
        caches = []
        h = X
        for i in range(1, L):
            norm_args = (p[f"gamma{i}"], p[f"beta{i}"], self.bn_params[i - 1]) if self.normalization else ()
            h, cache = forward[self.normalization](h, p[f"W{i}"], p[f"b{i}"], *norm_args)
            drop_cache = None
            if self.use_dropout:
                h, drop_cache = dropout_forward(h, self.dropout_param)
            caches.append((cache, drop_cache))
        scores, last_cache = affine_forward(h, p[f"W{L}"], p[f"b{L}"])
        if y is None:
            return scores

        loss, dscores = softmax_loss(scores, y)
        loss += l2_penalty(self.reg, (p[f"W{i}"] for i in range(1, L + 1)))
        grads = {}
        dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, last_cache)
        for i in range(L - 1, 0, -1):
            cache, drop_cache = caches[i - 1]
            if self.use_dropout:
                dh = dropout_backward(dh, drop_cache)
            layer_grads = backward[self.normalization](dh, cache)
            dh, grads[f"W{i}"], grads[f"b{i}"] = layer_grads[:3]
            if self.normalization:
                grads[f"gamma{i}"], grads[f"beta{i}"] = layer_grads[3:]
        for i in range(1, L + 1):
            grads[f"W{i}"] = grads[f"W{i}"] + self.reg * p[f"W{i}"]
        ### END SOLUTION
        return loss, grads
