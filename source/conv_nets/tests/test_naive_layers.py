"""Naive convolution and max pooling against known outputs and numeric gradients."""
import numpy as np
import pytest
from numpy.testing import assert_allclose

from numnet.gradient_check import eval_numerical_gradient_array
from numnet.layers import conv_backward_naive, conv_forward_naive, max_pool_backward_naive, max_pool_forward_naive


@pytest.mark.task("conv_naive")
@pytest.mark.rule("conv.forward")
def test_conv_forward_matches_known_output():
    x = np.linspace(-0.1, 0.5, num=96).reshape(2, 3, 4, 4)
    w = np.linspace(-0.2, 0.3, num=144).reshape(3, 3, 4, 4)
    b = np.linspace(-0.1, 0.2, num=3)
    out, _ = conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    expected_first_image = [[[-0.08759809, -0.10987781], [-0.18387192, -0.21092160]],
                            [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
                            [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]]
    assert out.shape == (2, 3, 2, 2)
    assert_allclose(out[0], expected_first_image, rtol=1e-6)
    assert_allclose(out[1, 2], [[2.36270298, 2.36904306], [2.38090835, 2.38247847]], rtol=1e-7)


@pytest.mark.task("conv_naive")
@pytest.mark.rule("conv.backward")
@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "pad"), [((4, 3, 5, 5), (2, 3, 3, 3), 1, 1), ((2, 2, 7, 5), (3, 2, 3, 1), 2, 0)])
def test_conv_backward_matches_numeric_gradients(x_shape, w_shape, stride, pad):
    rng = np.random.default_rng(231)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    conv_param = {"stride": stride, "pad": pad}
    out, cache = conv_forward_naive(x, w, b, conv_param)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv_backward_naive(dout, cache)
    forward = lambda a, f, c: conv_forward_naive(a, f, c, conv_param)[0]
    assert_allclose(dx, eval_numerical_gradient_array(lambda v: forward(v, w, b), x, dout), rtol=1e-6, atol=1e-8)
    assert_allclose(dw, eval_numerical_gradient_array(lambda v: forward(x, v, b), w, dout), rtol=1e-6, atol=1e-8)
    assert_allclose(db, eval_numerical_gradient_array(lambda v: forward(x, w, v), b, dout), rtol=1e-6, atol=1e-8)


@pytest.mark.task("max_pool_naive")
@pytest.mark.rule("pool.forward")
def test_max_pool_forward_matches_known_output():
    x = np.linspace(-0.3, 0.4, num=96).reshape(2, 3, 4, 4)
    out, _ = max_pool_forward_naive(x, {"pool_width": 2, "pool_height": 2, "stride": 2})
    assert out.shape == (2, 3, 2, 2)
    assert_allclose(out[0, 0], [[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]], rtol=1e-7)
    assert_allclose(out[1, 2], [[0.32631579, 0.34105263], [0.38526316, 0.4]], rtol=1e-7)


@pytest.mark.task("max_pool_naive")
@pytest.mark.rule("pool.backward")
@pytest.mark.parametrize(("shape", "ph", "pw", "stride"), [((3, 2, 8, 8), 2, 2, 2), ((2, 2, 5, 4), 3, 2, 1)])
def test_max_pool_backward_matches_numeric_gradient(shape, ph, pw, stride):
    rng = np.random.default_rng(231)
    x = rng.standard_normal(shape)
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    out, cache = max_pool_forward_naive(x, pool_param)
    dout = rng.standard_normal(out.shape)
    dx_num = eval_numerical_gradient_array(lambda v: max_pool_forward_naive(v, pool_param)[0], x, dout)
    assert_allclose(max_pool_backward_naive(dout, cache), dx_num, rtol=1e-7, atol=1e-10)


@pytest.mark.task("max_pool_naive")
@pytest.mark.rule("pool.ties")
def test_max_pool_backward_sends_ties_to_the_first_maximum():
    x = np.array([[[[1.0, 3.0, 3.0], [3.0, 0.0, 2.0], [3.0, 3.0, 1.0]]]])
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 1}
    out, cache = max_pool_forward_naive(x, pool_param)
    assert_allclose(out, [[[[3.0, 3.0], [3.0, 3.0]]]])
    dx = max_pool_backward_naive(np.array([[[[1.0, 10.0], [100.0, 1000.0]]]]), cache)
    # windows (0, 0) and (0, 1) hold tied 3s and both pick x[0, 1]; window (1, 0) holds three 3s and picks x[1, 0]
    assert_allclose(dx, [[[[0.0, 11.0, 0.0], [100.0, 0.0, 0.0], [0.0, 1000.0, 0.0]]]])
