"""First-order update rules.

Every rule has the signature ``rule(w, dw, config) -> (next_w, config)``:

- ``w``: current parameter array; never modified.
- ``dw``: gradient of the loss with respect to ``w``, same shape.
- ``config``: dict of hyperparameters and of the rule's running state
  (velocity, caches, moment estimates). Pass ``None`` for the defaults. Missing
  entries are filled in on the first call and the same dict is returned, so it
  must be handed back on the next step of the same parameter.

Defaults: ``learning_rate`` 1e-2 (1e-3 for Adam), ``momentum`` 0.9,
``decay_rate`` 0.99, ``epsilon`` 1e-8, ``beta1`` 0.9, ``beta2`` 0.999.

Rules
-----
- ``optim.untouched``: ``w`` and ``dw`` are never modified.
- ``optim.state``: state a ``config`` lacks (velocity, cache, ``m``, ``v``: zeros shaped
  like ``w``; ``t``: 0) is created on the first call; every call stores the new state in
  ``config`` and returns it, and the next call continues from it.
- ``optim.defaults``: ``config=None`` means every hyperparameter takes its default above.
"""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["sgd", "sgd_momentum", "sgd_nesterov_momentum", "rmsprop", "adam"]

Config = dict[str, Any]


def _prepare(w: np.ndarray, dw: np.ndarray, config: Config | None, defaults: Config) -> Config:
    """Check shapes, fill missing hyperparameters and zero-initialise state arrays.

    ``defaults`` maps a key to its default value; a value of ``None`` marks a
    state array that starts as ``zeros_like(w)``.
    """
    if np.shape(w) != np.shape(dw):
        raise ValueError(f"w and dw must have the same shape, got {np.shape(w)} and {np.shape(dw)}")
    config = {} if config is None else config
    for key, default in defaults.items():
        config.setdefault(key, np.zeros_like(w) if default is None else default)
    return config


def sgd(w: np.ndarray, dw: np.ndarray, config: Config | None = None) -> tuple[np.ndarray, Config]:
    """Vanilla stochastic gradient descent: ``w - learning_rate * dw``."""
    config = _prepare(w, dw, config, {"learning_rate": 1e-2})
    next_w = w - config["learning_rate"] * dw
    return next_w, config


def sgd_momentum(w: np.ndarray, dw: np.ndarray, config: Config | None = None) -> tuple[np.ndarray, Config]:
    """SGD with momentum.

    ``config`` keys: ``learning_rate``, ``momentum`` (in [0, 1)), ``velocity``
    (same shape as ``w``, starts at zero)::

        v = momentum * v - learning_rate * dw
        w = w + v

    Rules
    -----
    - ``sgd_momentum.update``: ``next_w`` and ``config['velocity']`` follow the formulas above.
    """
    config = _prepare(w, dw, config, {"learning_rate": 1e-2, "momentum": 0.9, "velocity": None})
    raise NotImplementedError("not implemented yet")
    return next_w, config


def sgd_nesterov_momentum(
    w: np.ndarray, dw: np.ndarray, config: Config | None = None
) -> tuple[np.ndarray, Config]:
    """Nesterov momentum in the form that keeps the look-ahead point as ``w``.

    ``config`` keys as for :func:`sgd_momentum`::

        v_prev = v
        v = momentum * v - learning_rate * dw
        w = w - momentum * v_prev + (1 + momentum) * v

    Rules
    -----
    - ``sgd_nesterov_momentum.update``: ``next_w`` and ``config['velocity']`` follow the
      formulas above.
    """
    config = _prepare(w, dw, config, {"learning_rate": 1e-2, "momentum": 0.9, "velocity": None})
    raise NotImplementedError("not implemented yet")
    return next_w, config


def rmsprop(w: np.ndarray, dw: np.ndarray, config: Config | None = None) -> tuple[np.ndarray, Config]:
    """RMSProp: per-element step sizes from a moving average of squared gradients.

    ``config`` keys: ``learning_rate``, ``decay_rate``, ``epsilon``, ``cache``::

        cache = decay_rate * cache + (1 - decay_rate) * dw ** 2
        w = w - learning_rate * dw / (sqrt(cache) + epsilon)

    Rules
    -----
    - ``rmsprop.update``: ``next_w`` and ``config['cache']`` follow the formulas above.
    """
    config = _prepare(
        w, dw, config, {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-8, "cache": None}
    )
    raise NotImplementedError("not implemented yet")
    return next_w, config


def adam(w: np.ndarray, dw: np.ndarray, config: Config | None = None) -> tuple[np.ndarray, Config]:
    """Adam: bias-corrected moving averages of the gradient and its square.

    ``config`` keys: ``learning_rate`` (default 1e-3), ``beta1``, ``beta2``, ``epsilon``, ``m``, ``v``
    and the step counter ``t`` (starts at 0; incremented before the correction)::

        t = t + 1
        m = beta1 * m + (1 - beta1) * dw
        v = beta2 * v + (1 - beta2) * dw ** 2
        w = w - learning_rate * (m / (1 - beta1 ** t)) / (sqrt(v / (1 - beta2 ** t)) + epsilon)

    Rules
    -----
    - ``adam.update``: ``next_w``, ``config['m']``, ``config['v']`` and the step counter
      ``config['t']`` (one more after every call) follow the formulas above.
    """
    config = _prepare(
        w,
        dw,
        config,
        {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "m": None, "v": None, "t": 0},
    )
    raise NotImplementedError("not implemented yet")
    return next_w, config
