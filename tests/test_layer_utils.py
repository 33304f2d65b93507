"""Sandwich layers: numeric gradients and agreement with the layers they chain."""
import numpy as np
import pytest

from numnet import layer_utils as lu
from numnet.gradient_check import eval_numerical_gradient_array, rel_error
from numnet.layers import conv_forward_naive, max_pool_forward_naive

CONV = {"stride": 1, "pad": 1}
POOL = {"pool_height": 2, "pool_width": 2, "stride": 2}


def numeric_grads(forward, arrays, dout):
    """Numeric gradient of ``sum(forward(*arrays)[0] * dout)`` for every array."""
    return [
        eval_numerical_gradient_array(lambda _: forward(*arrays)[0], array, dout)
        for array in arrays
    ]


def assert_grads_match(analytic, numeric, tol):
    """Relative error below ``tol``, or an absolute one below 1e-8 for gradients that
    vanish (a bias followed by batch normalization has none)."""
    for a, n in zip(analytic, numeric):
        assert a.shape == n.shape
        assert rel_error(a, n) < tol or np.abs(a - n).max() < 1e-8


def test_conv_relu_pool_gradients_and_values():
    rng = np.random.RandomState(231)
    x, w, b = rng.randn(2, 3, 16, 16), rng.randn(3, 3, 3, 3), rng.randn(3)
    dout = rng.randn(2, 3, 8, 8)
    forward = lambda x, w, b: lu.conv_relu_pool_forward(x, w, b, CONV, POOL)  # noqa: E731
    out, cache = forward(x, w, b)
    expected = max_pool_forward_naive(np.maximum(conv_forward_naive(x, w, b, CONV)[0], 0), POOL)[0]
    np.testing.assert_allclose(out, expected, atol=1e-10)
    assert_grads_match(lu.conv_relu_pool_backward(dout, cache), numeric_grads(forward, [x, w, b], dout), 1e-7)


def test_conv_relu_gradients():
    rng = np.random.RandomState(231)
    x, w, b = rng.randn(2, 3, 8, 8), rng.randn(3, 3, 3, 3), rng.randn(3)
    dout = rng.randn(2, 3, 8, 8)
    forward = lambda x, w, b: lu.conv_relu_forward(x, w, b, CONV)  # noqa: E731
    out, cache = forward(x, w, b)
    assert out.min() == 0
    assert_grads_match(lu.conv_relu_backward(dout, cache), numeric_grads(forward, [x, w, b], dout), 1e-7)


def test_conv_bn_relu_gradients():
    rng = np.random.RandomState(0)
    x, w, b = rng.randn(2, 3, 6, 6), rng.randn(4, 3, 3, 3), rng.randn(4)
    gamma, beta = rng.rand(4) + 0.5, rng.randn(4)
    dout = rng.randn(2, 4, 6, 6)
    forward = lambda x, w, b, g, be: lu.conv_bn_relu_forward(x, w, b, g, be, CONV, {"mode": "train"})  # noqa: E731
    _, cache = forward(x, w, b, gamma, beta)
    analytic = lu.conv_bn_relu_backward(dout, cache)
    assert len(analytic) == 5
    assert_grads_match(analytic, numeric_grads(forward, [x, w, b, gamma, beta], dout), 1e-6)


def test_affine_relu_gradients():
    rng = np.random.RandomState(231)
    x, w, b = rng.randn(2, 3, 4), rng.randn(12, 10), rng.randn(10)
    dout = rng.randn(2, 10)
    out, cache = lu.affine_relu_forward(x, w, b)
    np.testing.assert_allclose(out, np.maximum(x.reshape(2, 12) @ w + b, 0))
    assert_grads_match(lu.affine_relu_backward(dout, cache), numeric_grads(lu.affine_relu_forward, [x, w, b], dout), 1e-8)


@pytest.mark.parametrize("name, param", [("bn", {"mode": "train"}), ("ln", {})])
def test_affine_norm_relu_gradients(name, param):
    rng = np.random.RandomState(1)
    x, w, b = rng.randn(4, 5), rng.randn(5, 6), rng.randn(6)
    gamma, beta = rng.rand(6) + 0.5, rng.randn(6)
    dout = rng.randn(4, 6)
    forward_fn = getattr(lu, f"affine_{name}_relu_forward")
    forward = lambda *arrays: forward_fn(*arrays, dict(param))  # noqa: E731
    _, cache = forward(x, w, b, gamma, beta)
    analytic = getattr(lu, f"affine_{name}_relu_backward")(dout, cache)
    assert_grads_match(analytic, numeric_grads(forward, [x, w, b, gamma, beta], dout), 1e-6)


def test_sandwiches_keep_float32():
    rng = np.random.RandomState(0)
    x = rng.randn(2, 3, 8, 8).astype(np.float32)
    w = rng.randn(3, 3, 3, 3).astype(np.float32)
    b = np.zeros(3, dtype=np.float32)
    out, cache = lu.conv_relu_pool_forward(x, w, b, CONV, POOL)
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in lu.conv_relu_pool_backward(np.ones_like(out), cache))
