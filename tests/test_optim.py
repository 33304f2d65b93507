"""Update rules against steps worked out by hand on two-element parameters."""
import numpy as np
import pytest

from numnet import optim

W = np.array([1.0, -2.0])
DW = np.array([0.5, -0.25])


def test_sgd_step():
    next_w, config = optim.sgd(W, DW, {"learning_rate": 0.1})
    np.testing.assert_allclose(next_w, [0.95, -1.975])
    assert config == {"learning_rate": 0.1}


def test_sgd_default_learning_rate():
    next_w, config = optim.sgd(W, DW)
    assert config["learning_rate"] == 1e-2
    np.testing.assert_allclose(next_w, [0.995, -1.9975])


def test_momentum_two_steps_from_zero_velocity():
    config = {"learning_rate": 0.1}
    w1, config = optim.sgd_momentum(W, DW, config)
    # v = -0.1 * dw = [-0.05, 0.025]
    np.testing.assert_allclose(w1, [0.95, -1.975])
    np.testing.assert_allclose(config["velocity"], [-0.05, 0.025])
    assert config["momentum"] == 0.9
    w2, config = optim.sgd_momentum(w1, DW, config)
    # v = 0.9 * [-0.05, 0.025] - [0.05, -0.025] = [-0.095, 0.0475]
    np.testing.assert_allclose(config["velocity"], [-0.095, 0.0475])
    np.testing.assert_allclose(w2, [0.855, -1.9275])


def test_nesterov_step_with_existing_velocity():
    config = {"learning_rate": 0.1, "momentum": 0.5, "velocity": np.array([0.2, 0.0])}
    next_w, config = optim.sgd_nesterov_momentum(W, DW, config)
    # v = 0.5 * [0.2, 0] - 0.1 * dw = [0.05, 0.025]
    # w - 0.5 * v_prev + 1.5 * v = [1 - 0.1 + 0.075, -2 - 0 + 0.0375]
    np.testing.assert_allclose(config["velocity"], [0.05, 0.025])
    np.testing.assert_allclose(next_w, [0.975, -1.9625])


def test_rmsprop_first_step():
    next_w, config = optim.rmsprop(W, DW, {"learning_rate": 0.1, "decay_rate": 0.9})
    # cache = 0.1 * dw^2 = [0.025, 0.00625]; each step is 0.1 * |dw| / sqrt(cache) = 0.1 * sqrt(10)
    np.testing.assert_allclose(config["cache"], [0.025, 0.00625])
    np.testing.assert_allclose(next_w, [0.683772234, -1.683772234], rtol=1e-7)
    assert config["epsilon"] == 1e-8


def test_adam_counts_steps_before_bias_correction():
    config = {"learning_rate": 0.1}
    w1, config = optim.adam(W, DW, config)
    # t = 1: both corrected moments equal dw and dw^2, the step is lr * sign(dw)
    assert config["t"] == 1
    np.testing.assert_allclose(config["m"], [0.05, -0.025])
    np.testing.assert_allclose(config["v"], [0.00025, 0.0000625])
    np.testing.assert_allclose(w1, [0.9, -1.9], rtol=1e-7)
    w2, config = optim.adam(w1, 2 * DW, config)
    # m = 0.9 * 0.05 + 0.1 * 1.0 = 0.145, m_hat = 0.145 / 0.19
    # v = 0.999 * 0.00025 + 0.001 * 1.0 = 0.00124975, v_hat = 0.00124975 / 0.001999
    assert config["t"] == 2
    m_hat = 0.145 / 0.19
    v_hat = 0.00124975 / 0.001999
    np.testing.assert_allclose(w2[0], 0.9 - 0.1 * m_hat / np.sqrt(v_hat), rtol=1e-7)


@pytest.mark.parametrize("rule", optim.__all__)
def test_rules_leave_inputs_untouched_and_check_shapes(rule):
    w, dw = W.copy(), DW.copy()
    getattr(optim, rule)(w, dw, None)
    np.testing.assert_array_equal(w, W)
    np.testing.assert_array_equal(dw, DW)
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        getattr(optim, rule)(W, np.zeros(3), None)


def test_default_hyperparameters():
    _, momentum = optim.sgd_momentum(W, DW)
    _, rms = optim.rmsprop(W, DW)
    _, adam = optim.adam(W, DW)
    assert (momentum["learning_rate"], momentum["momentum"]) == (1e-2, 0.9)
    assert (rms["decay_rate"], rms["epsilon"]) == (0.99, 1e-8)
    assert (adam["learning_rate"], adam["beta1"], adam["beta2"], adam["epsilon"]) == (1e-3, 0.9, 0.999, 1e-8)
