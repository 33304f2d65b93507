"""Batch normalization (both backward passes) and layer normalization."""
import numpy as np
import pytest
from numpy.testing import assert_allclose

from numnet.gradient_check import eval_numerical_gradient_array
from numnet.layers import (
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
)


def _inputs(seed=231, shape=(4, 5)):
    rng = np.random.default_rng(seed)
    x = 5 * rng.standard_normal(shape) + 12
    gamma, beta = rng.standard_normal(shape[1]), rng.standard_normal(shape[1])
    return x, gamma, beta, rng.standard_normal(shape)


@pytest.mark.task("batchnorm")
@pytest.mark.rule("batchnorm.train")
def test_batchnorm_train_output_has_the_requested_statistics():
    rng = np.random.default_rng(231)
    x = 3 * rng.standard_normal((200, 3)) + 7
    gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0])
    out, _ = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert_allclose(out.mean(axis=0), beta, atol=1e-7)
    assert_allclose(out.std(axis=0), gamma, rtol=1e-4)


@pytest.mark.task("batchnorm")
@pytest.mark.rule("batchnorm.running", "batchnorm.test")
def test_batchnorm_test_mode_uses_running_averages():
    rng = np.random.default_rng(231)
    gamma, beta, bn_param = np.ones(3), np.zeros(3), {"mode": "train"}
    for _ in range(50):
        batchnorm_forward(2.3 * rng.standard_normal((200, 3)) + 13, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    out, _ = batchnorm_forward(2.3 * rng.standard_normal((200, 3)) + 13, gamma, beta, bn_param)
    assert_allclose(out.mean(axis=0), 0, atol=0.2)
    assert_allclose(out.std(axis=0), 1, atol=0.15)


@pytest.mark.task("batchnorm")
@pytest.mark.rule("batchnorm.backward")
@pytest.mark.parametrize("backward", [batchnorm_backward, batchnorm_backward_alt])
def test_batchnorm_backward_matches_numeric_gradients(backward):
    x, gamma, beta, dout = _inputs()
    bn_param = {"mode": "train"}
    dx, dgamma, dbeta = backward(dout, batchnorm_forward(x, gamma, beta, bn_param)[1])
    forward = lambda a, g, b: batchnorm_forward(a, g, b, {"mode": "train"})[0]
    assert_allclose(dx, eval_numerical_gradient_array(lambda v: forward(v, gamma, beta), x, dout), rtol=1e-5, atol=1e-8)
    assert_allclose(dgamma, eval_numerical_gradient_array(lambda v: forward(x, v, beta), gamma, dout), rtol=1e-6)
    assert_allclose(dbeta, eval_numerical_gradient_array(lambda v: forward(x, gamma, v), beta, dout), rtol=1e-6)


@pytest.mark.task("layernorm")
@pytest.mark.rule("layernorm.forward")
def test_layernorm_normalizes_each_example():
    rng = np.random.default_rng(231)
    x = 3 * rng.standard_normal((4, 50)) + 7
    out, _ = layernorm_forward(x, np.ones(50), np.zeros(50), {})
    assert_allclose(out.mean(axis=1), 0, atol=1e-7)
    assert_allclose(out.std(axis=1), 1, rtol=1e-4)


@pytest.mark.task("layernorm")
@pytest.mark.rule("layernorm.backward")
def test_layernorm_backward_matches_numeric_gradients():
    x, gamma, beta, dout = _inputs(seed=7, shape=(4, 6))
    dx, dgamma, dbeta = layernorm_backward(dout, layernorm_forward(x, gamma, beta, {})[1])
    forward = lambda a, g, b: layernorm_forward(a, g, b, {})[0]
    assert_allclose(dx, eval_numerical_gradient_array(lambda v: forward(v, gamma, beta), x, dout), rtol=1e-5, atol=1e-8)
    assert_allclose(dgamma, eval_numerical_gradient_array(lambda v: forward(x, v, beta), gamma, dout), rtol=1e-6)
    assert_allclose(dbeta, eval_numerical_gradient_array(lambda v: forward(x, gamma, v), beta, dout), rtol=1e-6)


@pytest.mark.task("batchnorm")
@pytest.mark.rule("batchnorm.running")
def test_batchnorm_running_averages_follow_the_momentum_formula():
    x, gamma, beta, _ = _inputs()
    old_mean, old_var = np.arange(5.0), np.full(5, 2.0)
    bn_param = {"mode": "train", "momentum": 0.7, "running_mean": old_mean.copy(), "running_var": old_var.copy()}
    batchnorm_forward(x, gamma, beta, bn_param)
    assert bn_param["running_mean"].shape == bn_param["running_var"].shape == (5,)
    assert_allclose(bn_param["running_mean"], 0.7 * old_mean + 0.3 * x.mean(axis=0))
    assert_allclose(bn_param["running_var"], 0.7 * old_var + 0.3 * x.var(axis=0))


@pytest.mark.task("layernorm")
@pytest.mark.rule("layernorm.modes")
def test_layernorm_ignores_the_mode():
    x, gamma, beta, _ = _inputs(shape=(3, 6))
    train, _ = layernorm_forward(x, gamma, beta, {"mode": "train"})
    test, _ = layernorm_forward(x, gamma, beta, {"mode": "test"})
    assert_allclose(train, test)
