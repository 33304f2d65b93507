"""The hidden suites' input generators guarantee, for every seed, what their checks rely on."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.suites.conv_nets.inputs import CONV_CASES, POOL_CASES, conv_inputs, pool_inputs
from autograder.suites.fc_nets.inputs import keep_units_alive, problem, relu_input, scores
from autograder.suites.linear_regression.fitting import MSE_RANGE, targets_and_predictions
from numnet import layers
from numnet.classifiers.fc_net import FullyConnectedNet

SEEDS = range(300)


def test_large_softmax_scores_overflow_exp_in_every_row():
    for seed in SEEDS:
        x, _ = scores(np.random.default_rng(seed), "large_scores")
        assert (x.max(axis=1) > np.log(np.finfo(np.float64).max)).all()


def test_relu_inputs_hold_both_signs_on_both_sides_of_minus_one():
    for seed in SEEDS:
        (x,), dout = relu_input(np.random.default_rng(seed))
        assert (x > 0).any() and ((x < 0) & (x > -1)).any() and (x < -1).any()
        assert ((x > 0) & (dout < 0)).any() and ((x < 0) & (x > -1) & (dout > 0)).any()
        assert np.abs(x).min() >= 1e-3


@pytest.mark.parametrize("outputs", [None, 3])
def test_metric_errors_take_both_signs(outputs):
    for seed in SEEDS:
        y_true, y_pred = targets_and_predictions(np.random.default_rng(seed), outputs)
        assert ((y_pred > y_true).any() and (y_pred < y_true).any())
        assert MSE_RANGE[0] <= np.mean((y_pred - y_true) ** 2) <= MSE_RANGE[1]  # a missing root or square shows


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_outputs_are_never_square(case):
    for seed in SEEDS:
        x, w, b, conv_param = conv_inputs(np.random.default_rng(seed), **CONV_CASES[case])
        out, _ = layers.conv_forward_naive(x, w, b, conv_param)
        assert out.shape[2] != out.shape[3]


@pytest.mark.parametrize("case", POOL_CASES)
def test_pool_outputs_are_never_square_and_windows_have_one_maximum(case):
    for seed in SEEDS:
        x, pool_param = pool_inputs(np.random.default_rng(seed), **POOL_CASES[case])
        out, _ = layers.max_pool_forward_naive(x, pool_param)
        assert out.shape[2] != out.shape[3]
        assert len(np.unique(x)) == x.size


@pytest.mark.parametrize("normalization", [None, "batchnorm", "layernorm"])
def test_network_hidden_layers_always_pass_a_signal_on(normalization):
    for seed in range(100):
        rng = np.random.default_rng(seed)
        X, _, shape = problem(rng)
        model = FullyConnectedNet(**shape, normalization=normalization, dtype="float64")
        for name, value in model.params.items():
            model.params[name] = rng.standard_normal(value.shape)
        keep_units_alive(layers_namespace(), model, X, rng)
        h = X
        for i in range(1, model.num_layers):
            a, _ = layers.affine_forward(h, model.params[f"W{i}"], model.params[f"b{i}"])
            if normalization == "layernorm":
                a, _ = layers.layernorm_forward(a, model.params[f"gamma{i}"], model.params[f"beta{i}"], {})
            elif normalization == "batchnorm":
                a, _ = layers.batchnorm_forward(a, model.params[f"gamma{i}"], model.params[f"beta{i}"], {"mode": "train"})
            assert (a[:, 0] > 0).all()
            assert -1 < a[:, 1].max() < 0
            h = np.maximum(a, 0)


def layers_namespace():
    """The reference as the suites see it (``reference.layers``)."""
    from autograder.grading.plugin import Reference

    return Reference("numnet")


@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_every_convolution_window_covers_part_of_the_image(case):
    """A window of padding only has all-zero columns, which an im2col that writes nothing gets right."""
    for seed in range(50):
        x, w, _, conv = conv_inputs(np.random.default_rng(seed), **CONV_CASES[case])
        pad, stride = conv["pad"], conv["stride"]
        image = np.pad(np.ones(x.shape[2:]), pad)
        HH, WW = w.shape[2:]
        for top in range(0, image.shape[0] - HH + 1, stride):
            for left in range(0, image.shape[1] - WW + 1, stride):
                assert image[top:top + HH, left:left + WW].any(), (case, seed, top, left)
