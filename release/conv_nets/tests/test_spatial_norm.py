"""Spatial batch normalization and spatial group normalization."""
import numpy as np
import pytest
from numpy.testing import assert_allclose

from numnet.gradient_check import eval_numerical_gradient_array
from numnet.layers import (
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
    spatial_groupnorm_backward,
    spatial_groupnorm_forward,
)


def _check_gradients(forward, backward, x, gamma, beta, tol):
    dout = np.random.default_rng(1).standard_normal(x.shape)
    dx, dgamma, dbeta = backward(dout, forward(x, gamma, beta)[1])
    assert_allclose(dx, eval_numerical_gradient_array(lambda v: forward(v, gamma, beta)[0], x, dout), rtol=tol, atol=1e-8)
    assert_allclose(dgamma, eval_numerical_gradient_array(lambda v: forward(x, v, beta)[0], gamma, dout), rtol=tol)
    assert_allclose(dbeta, eval_numerical_gradient_array(lambda v: forward(x, gamma, v)[0], beta, dout), rtol=tol)


@pytest.mark.task("spatial_batchnorm")
@pytest.mark.rule("spatial_batchnorm.train")
def test_spatial_batchnorm_train_statistics_per_channel():
    x = 4 * np.random.default_rng(231).standard_normal((2, 3, 4, 5)) + 10
    gamma, beta = np.array([3.0, 4.0, 5.0]), np.array([6.0, 7.0, 8.0])
    out, _ = spatial_batchnorm_forward(x, gamma, beta, {"mode": "train"})
    assert_allclose(out.mean(axis=(0, 2, 3)), beta, atol=1e-6)
    assert_allclose(out.std(axis=(0, 2, 3)), gamma, rtol=1e-4)


@pytest.mark.task("spatial_batchnorm")
@pytest.mark.rule("spatial_batchnorm.running", "spatial_batchnorm.test")
def test_spatial_batchnorm_test_mode_after_warm_up():
    rng = np.random.default_rng(231)
    bn_param, gamma, beta = {"mode": "train"}, np.ones(4), np.zeros(4)
    for _ in range(50):
        spatial_batchnorm_forward(2.3 * rng.standard_normal((10, 4, 11, 12)) + 13, gamma, beta, bn_param)
    assert bn_param["running_mean"].shape == bn_param["running_var"].shape == (4,)
    bn_param["mode"] = "test"
    out, _ = spatial_batchnorm_forward(2.3 * rng.standard_normal((10, 4, 11, 12)) + 13, gamma, beta, bn_param)
    assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=0.1)
    assert_allclose(out.std(axis=(0, 2, 3)), 1, atol=0.05)


@pytest.mark.task("spatial_batchnorm")
@pytest.mark.rule("spatial_batchnorm.backward")
def test_spatial_batchnorm_backward_matches_numeric_gradients():
    rng = np.random.default_rng(231)
    x = 5 * rng.standard_normal((2, 3, 4, 5)) + 12
    forward = lambda a, g, b: spatial_batchnorm_forward(a, g, b, {"mode": "train"})
    _check_gradients(forward, spatial_batchnorm_backward, x, rng.standard_normal(3), rng.standard_normal(3), 1e-5)


@pytest.mark.task("spatial_groupnorm")
@pytest.mark.rule("groupnorm.forward")
@pytest.mark.parametrize("G", [1, 2, 6])
def test_spatial_groupnorm_normalizes_each_group(G):
    x = 4 * np.random.default_rng(231).standard_normal((2, 6, 4, 5)) + 10
    out, _ = spatial_groupnorm_forward(x, np.ones((1, 6, 1, 1)), np.zeros((1, 6, 1, 1)), G, {})
    groups = out.reshape(2 * G, -1)
    assert_allclose(groups.mean(axis=1), 0, atol=1e-7)
    assert_allclose(groups.std(axis=1), 1, rtol=1e-4)


@pytest.mark.task("spatial_groupnorm")
@pytest.mark.rule("groupnorm.backward")
def test_spatial_groupnorm_backward_matches_numeric_gradients():
    rng = np.random.default_rng(231)
    x = 5 * rng.standard_normal((2, 6, 4, 5)) + 12
    gamma, beta = rng.standard_normal((1, 6, 1, 1)), rng.standard_normal((1, 6, 1, 1))
    forward = lambda a, g, b: spatial_groupnorm_forward(a, g, b, 2, {})
    _check_gradients(forward, spatial_groupnorm_backward, x, gamma, beta, 1e-5)
