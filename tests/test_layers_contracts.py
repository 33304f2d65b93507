"""Behavioural contracts of the reference layers beyond their gradients:
no input is modified, dtypes are kept, bad arguments fail clearly, the softmax
is stable, and batch norm and dropout keep their train/test semantics."""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, localcontext
from typing import Any

import numpy as np
import pytest

from numnet import layers


def _layer_calls(rng: np.random.Generator, dtype: type) -> dict[str, tuple[Callable, Callable | None, tuple]]:
    """``name -> (forward, backward or None, forward arguments)`` covering every layer and mode."""

    def array(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(dtype)

    def running(size: int) -> dict[str, np.ndarray]:
        return {"running_mean": array(size), "running_var": rng.uniform(0.5, 2, size).astype(dtype)}

    images, labels = array(2, 3, 6, 6), rng.integers(5, size=4)
    return {
        "affine": (layers.affine_forward, layers.affine_backward, (array(4, 2, 3), array(6, 5), array(5))),
        "relu": (layers.relu_forward, layers.relu_backward, (array(4, 5),)),
        "softmax_loss": (layers.softmax_loss, None, (array(4, 5), labels)),
        "svm_loss": (layers.svm_loss, None, (array(4, 5), labels)),
        "batchnorm-train": (
            layers.batchnorm_forward,
            layers.batchnorm_backward,
            (array(6, 3), array(3), array(3), {"mode": "train", **running(3)}),
        ),
        "batchnorm_alt-train": (
            layers.batchnorm_forward,
            layers.batchnorm_backward_alt,
            (array(6, 3), array(3), array(3), {"mode": "train"}),
        ),
        "batchnorm-test": (
            layers.batchnorm_forward,
            layers.batchnorm_backward,
            (array(6, 3), array(3), array(3), {"mode": "test", **running(3)}),
        ),
        "layernorm": (layers.layernorm_forward, layers.layernorm_backward, (array(4, 5), array(5), array(5), {})),
        "dropout-train": (
            layers.dropout_forward,
            layers.dropout_backward,
            (array(4, 5), {"mode": "train", "p": 0.5, "seed": 1}),
        ),
        "dropout-test": (layers.dropout_forward, layers.dropout_backward, (array(4, 5), {"mode": "test", "p": 0.5})),
        "conv": (
            layers.conv_forward_naive,
            layers.conv_backward_naive,
            (images, array(2, 3, 3, 3), array(2), {"stride": 1, "pad": 1}),
        ),
        "max_pool": (
            layers.max_pool_forward_naive,
            layers.max_pool_backward_naive,
            (images, {"pool_height": 2, "pool_width": 3, "stride": 1}),
        ),
        "spatial_batchnorm-train": (
            layers.spatial_batchnorm_forward,
            layers.spatial_batchnorm_backward,
            (images, array(3), array(3), {"mode": "train", **running(3)}),
        ),
        "spatial_batchnorm-test": (
            layers.spatial_batchnorm_forward,
            layers.spatial_batchnorm_backward,
            (images, array(3), array(3), {"mode": "test", **running(3)}),
        ),
        "spatial_groupnorm": (
            layers.spatial_groupnorm_forward,
            layers.spatial_groupnorm_backward,
            (images, array(1, 3, 1, 1), array(1, 3, 1, 1), 3, {}),
        ),
    }


LAYER_NAMES = list(_layer_calls(np.random.default_rng(0), np.float64))


def _arrays_in(args: tuple) -> list[np.ndarray]:
    """Every array passed directly or as a value of a parameter dict."""
    found = []
    for arg in args:
        values = arg.values() if isinstance(arg, dict) else [arg]
        found += [value for value in values if isinstance(value, np.ndarray)]
    return found


def _settings_in(args: tuple) -> list[dict[str, Any]]:
    """The non-array entries of every parameter dict."""
    return [{k: v for k, v in arg.items() if not isinstance(v, np.ndarray)} for arg in args if isinstance(arg, dict)]


def _as_tuple(result: Any) -> tuple:
    return result if isinstance(result, tuple) else (result,)


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_forward_and_backward_modify_no_input(rng: np.random.Generator, name: str) -> None:
    forward, backward, args = _layer_calls(rng, np.float64)[name]
    arrays = [(array, array.copy()) for array in _arrays_in(args)]
    settings = _settings_in(args)
    out, cache = forward(*args)
    for array, before in arrays:  # running averages must be replaced, never written into
        np.testing.assert_array_equal(array, before)
    assert _settings_in(args) == settings
    assert not any(np.shares_memory(out, array) for array, _ in arrays)
    if backward is None:
        return
    dout = rng.standard_normal(out.shape)
    dout_before = dout.copy()
    first = _as_tuple(backward(dout, cache))
    np.testing.assert_array_equal(dout, dout_before)
    assert not any(np.shares_memory(grad, dout) for grad in first)
    for grad, again in zip(first, _as_tuple(backward(dout, cache)), strict=True):  # the cache is left intact
        np.testing.assert_array_equal(grad, again)


@pytest.mark.parametrize("name", LAYER_NAMES)
def test_float32_in_gives_float32_out(rng: np.random.Generator, name: str) -> None:
    forward, backward, args = _layer_calls(rng, np.float32)[name]
    out, cache = forward(*args)
    if backward is None:  # a loss: the scalar is a Python float, the gradient is the array
        assert cache.dtype == np.float32
        return
    assert out.dtype == np.float32
    dtypes = [grad.dtype for grad in _as_tuple(backward(np.ones_like(out), cache))]
    assert dtypes == [np.float32] * len(dtypes)
    params = args[-1] if isinstance(args[-1], dict) else {}
    if "running_mean" in params:
        assert params["running_mean"].dtype == params["running_var"].dtype == np.float32


def _decimal_softmax_loss(scores: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax loss and gradient evaluated directly, without any shift, in 40-digit decimals."""
    with localcontext() as context:
        context.prec = 40
        exps = [[Decimal(float(s)).exp() for s in row] for row in scores]
        totals = [sum(row) for row in exps]
        loss = sum(totals[i].ln() - Decimal(float(scores[i, y])) for i, y in enumerate(labels)) / len(labels)
        probs = np.array([[float(e / total) for e in row] for row, total in zip(exps, totals, strict=True)])
    probs[np.arange(len(labels)), labels] -= 1
    return float(loss), probs / len(labels)


@pytest.mark.parametrize("scale", [1e3, 1e4])
def test_softmax_loss_is_stable_for_huge_scores(rng: np.random.Generator, scale: float) -> None:
    scores = scale * rng.standard_normal((6, 5))
    labels = rng.integers(5, size=6)
    loss, dx = layers.softmax_loss(scores, labels)
    expected_loss, expected_dx = _decimal_softmax_loss(scores, labels)
    assert np.isfinite(loss) and np.isfinite(dx).all()
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(dx, expected_dx, rtol=1e-9, atol=1e-15)


def _zeros(*shape: int) -> np.ndarray:
    return np.zeros(shape)


def _conv(x_shape: tuple, w_shape: tuple, stride: int, pad: int) -> None:
    layers.conv_forward_naive(_zeros(*x_shape), _zeros(*w_shape), _zeros(w_shape[0]), {"stride": stride, "pad": pad})


def _pool(x_shape: tuple, pool_height: int, pool_width: int, stride: int) -> None:
    pool_param = {"pool_height": pool_height, "pool_width": pool_width, "stride": stride}
    layers.max_pool_forward_naive(_zeros(*x_shape), pool_param)


def _batchnorm(bn_param: dict) -> None:
    layers.batchnorm_forward(_zeros(3, 2), _zeros(2), _zeros(2), bn_param)


# name -> (call, pattern the message must match, naming the offending values)
BAD_CALLS = {
    "affine-feature-mismatch": (
        lambda: layers.affine_forward(_zeros(2, 3, 4), _zeros(10, 5), _zeros(5)),
        r"12 features per example, w expects 10",
    ),
    "conv-channel-mismatch": (lambda: _conv((1, 3, 5, 5), (2, 2, 3, 3), 1, 0), r"x has 3 channels but w expects 2"),
    "conv-stride-does-not-tile": (
        lambda: _conv((1, 1, 5, 5), (1, 1, 3, 3), 3, 0),
        r"stride 3 does not fit input size 5 with window 3",
    ),
    "conv-stride-does-not-tile-padded": (
        lambda: _conv((1, 1, 6, 6), (1, 1, 3, 3), 2, 1),
        r"stride 2 does not fit input size 8 with window 3",
    ),
    "pool-stride-does-not-tile": (
        lambda: _pool((1, 1, 5, 5), 2, 2, 2),
        r"stride 2 does not fit input size 5 with window 2",
    ),
    "pool-width-does-not-tile": (
        lambda: _pool((1, 1, 4, 6), 2, 3, 2),
        r"stride 2 does not fit input size 6 with window 3",
    ),
    "groups-do-not-divide-channels": (
        lambda: layers.spatial_groupnorm_forward(_zeros(1, 6, 2, 2), _zeros(1, 6, 1, 1), _zeros(1, 6, 1, 1), 4, {}),
        r"dividing C=6, got G=4",
    ),
    "batchnorm-unknown-mode": (lambda: _batchnorm({"mode": "eval"}), r"got 'eval'"),
    "batchnorm-missing-mode": (lambda: _batchnorm({}), r"got None"),
    "spatial-batchnorm-unknown-mode": (
        lambda: layers.spatial_batchnorm_forward(_zeros(1, 2, 2, 2), _zeros(2), _zeros(2), {"mode": "Train"}),
        r"got 'Train'",
    ),
    "dropout-unknown-mode": (
        lambda: layers.dropout_forward(_zeros(3), {"mode": "predict", "p": 0.5}),
        r"got 'predict'",
    ),
    "dropout-p-zero": (
        lambda: layers.dropout_forward(_zeros(3), {"mode": "train", "p": 0}),
        r"p must lie in \(0, 1\], got 0",
    ),
    "dropout-p-negative": (lambda: layers.dropout_forward(_zeros(3), {"mode": "test", "p": -0.25}), r"got -0\.25"),
    "dropout-p-above-one": (lambda: layers.dropout_forward(_zeros(3), {"mode": "train", "p": 1.5}), r"got 1\.5"),
    "softmax-label-too-large": (
        lambda: layers.softmax_loss(_zeros(3, 5), np.array([0, 5, 2])),
        r"\[0, 5\), got range \[0, 5\]",
    ),
    "svm-label-negative": (
        lambda: layers.svm_loss(_zeros(3, 4), np.array([1, -1, 3])),
        r"\[0, 4\), got range \[-1, 3\]",
    ),
}


@pytest.mark.parametrize("name", list(BAD_CALLS))
def test_bad_arguments_raise_value_error_naming_the_values(name: str) -> None:
    call, message = BAD_CALLS[name]
    with pytest.raises(ValueError, match=message):
        call()


# --- batch normalization: running averages -------------------------------------------


def test_batchnorm_train_updates_running_averages_with_default_momentum(rng: np.random.Generator) -> None:
    x = 3 * rng.standard_normal((8, 4)) + 2
    old_mean, old_var = rng.standard_normal(4), rng.uniform(1, 2, 4)
    bn_param = {"mode": "train", "running_mean": old_mean, "running_var": old_var}
    layers.batchnorm_forward(x, np.ones(4), np.zeros(4), bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.9 * old_mean + 0.1 * x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_var"], 0.9 * old_var + 0.1 * x.var(axis=0), rtol=1e-12)


def test_batchnorm_running_averages_start_at_zero_and_follow_given_momentum(rng: np.random.Generator) -> None:
    x = rng.standard_normal((5, 3)) + 4
    bn_param = {"mode": "train", "momentum": 0.25}
    layers.batchnorm_forward(x, np.ones(3), np.zeros(3), bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.75 * x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_var"], 0.75 * x.var(axis=0), rtol=1e-12)


def test_spatial_batchnorm_running_averages_are_per_channel(rng: np.random.Generator) -> None:
    x = rng.standard_normal((3, 2, 4, 5)) + np.array([-5.0, 5.0])[:, None, None]
    bn_param = {"mode": "train"}
    layers.spatial_batchnorm_forward(x, np.ones(2), np.zeros(2), bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.mean(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_var"], 0.1 * x.var(axis=(0, 2, 3)), rtol=1e-12)


def test_batchnorm_test_mode_normalizes_with_running_averages_and_keeps_them(rng: np.random.Generator) -> None:
    x, gamma, beta = rng.standard_normal((6, 3)), rng.standard_normal(3), rng.standard_normal(3)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    bn_param = {"mode": "test", "running_mean": mean.copy(), "running_var": var.copy(), "eps": 1e-3}
    out, _ = layers.batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(out, gamma * (x - mean) / np.sqrt(var + 1e-3) + beta, rtol=1e-12)
    np.testing.assert_array_equal(bn_param["running_mean"], mean)
    np.testing.assert_array_equal(bn_param["running_var"], var)


# --- dropout ---------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.25, 0.5, 0.9, 1.0])
def test_dropout_keeps_a_fraction_p_of_units_scaled_by_one_over_p(p: float) -> None:
    x = np.ones((400, 500))
    out, _ = layers.dropout_forward(x, {"mode": "train", "p": p, "seed": 7})
    kept = out != 0
    assert kept.mean() == pytest.approx(p, abs=0.01)
    np.testing.assert_allclose(out[kept], 1 / p, rtol=1e-12)


@pytest.mark.parametrize("p", [0.3, 1.0])
def test_dropout_test_mode_is_the_identity(rng: np.random.Generator, p: float) -> None:
    x, dout = rng.standard_normal((5, 6)), rng.standard_normal((5, 6))
    out, cache = layers.dropout_forward(x, {"mode": "test", "p": p})
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(layers.dropout_backward(dout, cache), dout)


def test_dropout_seed_fixes_the_mask_without_touching_global_state(rng: np.random.Generator) -> None:
    x = rng.standard_normal((20, 30))
    global_state = np.random.get_state()[1].copy()
    first, _ = layers.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 3})
    again, _ = layers.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 3})
    other, _ = layers.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 4})
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first != 0, other != 0)
    np.testing.assert_array_equal(np.random.get_state()[1], global_state)


def test_dropout_backward_applies_the_forward_mask(rng: np.random.Generator) -> None:
    x, dout = rng.standard_normal((30, 40)), rng.standard_normal((30, 40))
    out, cache = layers.dropout_forward(x, {"mode": "train", "p": 0.4})
    dx = layers.dropout_backward(dout, cache)
    kept = out != 0
    np.testing.assert_allclose(dx[kept], dout[kept] / 0.4, rtol=1e-12)
    assert not dx[~kept].any()
