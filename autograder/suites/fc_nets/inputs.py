"""Hidden input generators of the fc_nets checks: each guarantees, by construction, what its check relies on."""
from __future__ import annotations

import numpy as np


def labels(rng: np.random.Generator, N: int, C: int) -> np.ndarray:
    """``N`` integer labels in ``[0, C)``."""
    return rng.integers(0, C, size=N)


def problem(rng, N=None, widths=(3, 6)):
    """A small classification problem and the network shape for it (hidden layers ``widths[0]`` to
    ``widths[1] - 1`` units wide)."""
    N = N or int(rng.integers(2, 6))
    D, C = int(rng.integers(3, 6)), int(rng.integers(3, 6))
    hidden = [int(h) for h in rng.integers(*widths, size=2)]
    return rng.standard_normal((N, D)), labels(rng, N, C), dict(hidden_dims=hidden, input_dim=D, num_classes=C)


def keep_units_alive(reference, model, X, rng, mode="train"):
    """Raise the first unit of every hidden layer of the reference ``model`` (by its bias, or by its beta after a
    normalization) until it is active for every example of ``X`` in ``mode``: whatever the random parameters,
    every layer then passes a signal on, so a mistake anywhere (dropout, running averages) changes the output.
    The second unit is lowered until its largest input lies in (-0.9, -0.1): a ReLU that lets gradient through
    below zero then always shows in the gradients."""
    params, layers = model.params, reference.layers
    h = X.reshape(X.shape[0], -1)
    for i in range(1, model.num_layers):
        a, _ = layers.affine_forward(h, params[f"W{i}"], params[f"b{i}"])
        shift = f"beta{i}" if model.normalization else f"b{i}"
        if model.normalization == "layernorm":
            a, _ = layers.layernorm_forward(a, params[f"gamma{i}"], params[f"beta{i}"], {})
        elif model.normalization == "batchnorm":
            a, _ = layers.batchnorm_forward(a, params[f"gamma{i}"], params[f"beta{i}"], {**model.bn_params[i - 1],
                                                                                          "mode": mode})
        lift = max(0.0, float(rng.uniform(0.3, 1.0)) - float(a[:, 0].min()))
        drop = float(a[:, 1].max()) + float(rng.uniform(0.1, 0.9))
        params[shift][:2] += (lift, -drop)
        a[:, :2] += (lift, -drop)
        h = np.maximum(a, 0)


def relu_input(rng, dtype=np.float64, largest=4):
    """Values away from the kink with, by construction, a positive value, one in (-1, 0) and one below -1,
    and an upstream gradient whose sign differs from the input's at the first two of them."""
    shape = (int(rng.integers(3, largest + 1)),) + tuple(int(d) for d in rng.integers(1, largest + 1,
                                                                                      size=int(rng.integers(0, 3))))
    x = rng.standard_normal(shape)
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kink for numeric gradients
    spots = rng.choice(x.size, size=3, replace=False)
    x.flat[spots] = rng.uniform(0.1, 2.0), -rng.uniform(0.1, 0.9), -rng.uniform(1.1, 3.0)
    dout = rng.standard_normal(shape)
    dout.flat[spots[:2]] = -abs(dout.flat[spots[0]]) - 0.1, abs(dout.flat[spots[1]]) + 0.1
    return [x.astype(dtype)], dout


# (examples, score magnitude): a single example, ordinary scores, scores that overflow exp() unshifted
CASES = {"one_example": (1, 1.0), "batch": (4, 1.0), "large_scores": (4, 1e3), "small": (2, 1.0)}


OVERFLOW = 710.0  # exp() of float64 overflows above about 709.78


def scores(rng, case, dtype=np.float64):
    """Scores and labels; in the large case every row's maximum lies beyond exp()'s overflow point."""
    N, scale = CASES[case]
    C = int(rng.integers(3, 7))
    x = scale * rng.standard_normal((N, C))
    if scale > OVERFLOW:
        x += rng.uniform(OVERFLOW + 100, 2 * scale, size=(N, 1)) - x.max(axis=1, keepdims=True)
    return x.astype(dtype), labels(rng, N, C)
