"""Affine layer, ReLU and the two classification losses."""
import numpy as np
import pytest
from numpy.testing import assert_allclose

from numnet.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array
from numnet.layers import affine_backward, affine_forward, relu_backward, relu_forward, softmax_loss, svm_loss


@pytest.mark.task("affine")
@pytest.mark.rule("affine.forward")
def test_affine_forward_matches_known_output():
    x = np.linspace(-0.1, 0.5, num=2 * 120).reshape(2, 4, 5, 6)
    w = np.linspace(-0.2, 0.3, num=120 * 3).reshape(120, 3)
    b = np.linspace(-0.3, 0.1, num=3)
    out, _ = affine_forward(x, w, b)
    expected = np.array([[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.51413270, 3.77273342]])
    assert_allclose(out, expected, rtol=1e-7)


@pytest.mark.task("affine")
@pytest.mark.rule("affine.backward")
def test_affine_backward_matches_numeric_gradients():
    rng = np.random.default_rng(231)
    x, w, b = rng.standard_normal((10, 2, 3)), rng.standard_normal((6, 5)), rng.standard_normal(5)
    dout = rng.standard_normal((10, 5))
    dx, dw, db = affine_backward(dout, affine_forward(x, w, b)[1])
    assert dx.shape == x.shape, f"dx has shape {dx.shape}, x has {x.shape}"
    assert_allclose(dx, eval_numerical_gradient_array(lambda v: affine_forward(v, w, b)[0], x, dout), rtol=1e-7)
    assert_allclose(dw, eval_numerical_gradient_array(lambda v: affine_forward(x, v, b)[0], w, dout), rtol=1e-7)
    assert_allclose(db, eval_numerical_gradient_array(lambda v: affine_forward(x, w, v)[0], b, dout), rtol=1e-7)


@pytest.mark.task("relu")
@pytest.mark.rule("relu.forward")
def test_relu_forward_clips_negatives():
    x = np.linspace(-0.5, 0.5, num=12).reshape(3, 4)
    out, _ = relu_forward(x)
    assert_allclose(out, np.where(x > 0, x, 0.0))


@pytest.mark.task("relu")
@pytest.mark.rule("relu.backward")
def test_relu_backward_matches_numeric_gradient():
    rng = np.random.default_rng(231)
    x = rng.standard_normal((10, 10))
    dout = rng.standard_normal(x.shape)
    dx = relu_backward(dout, relu_forward(x)[1])
    assert_allclose(dx, eval_numerical_gradient_array(lambda v: relu_forward(v)[0], x, dout), rtol=1e-7, atol=1e-10)


@pytest.mark.task("losses")
@pytest.mark.rule("softmax.loss", "svm.loss")
@pytest.mark.parametrize(("loss_fn", "expected"), [(softmax_loss, np.log(10)), (svm_loss, 9.0)])
def test_loss_of_tiny_scores_and_its_gradient(loss_fn, expected):
    rng = np.random.default_rng(231)
    x = 1e-3 * rng.standard_normal((50, 10))
    y = rng.integers(10, size=50)
    loss, dx = loss_fn(x, y)
    assert loss == pytest.approx(expected, rel=1e-2)
    dx_num = eval_numerical_gradient(lambda v: loss_fn(v, y)[0], x)
    assert_allclose(dx, dx_num, rtol=1e-6, atol=1e-9)


@pytest.mark.task("relu")
@pytest.mark.rule("relu.zero")
def test_relu_backward_passes_nothing_where_x_is_zero():
    x = np.array([[-1.0, 0.0, 2.0], [0.0, 3.0, -0.5]])
    dx = relu_backward(np.ones_like(x), relu_forward(x)[1])
    assert_allclose(dx, [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])


@pytest.mark.task("losses")
@pytest.mark.rule("softmax.stable")
def test_softmax_loss_of_huge_scores_is_finite_and_accurate():
    x = np.array([[1000.0, 0.0, -1000.0], [0.0, 2000.0, 0.0]])
    loss, dx = softmax_loss(x, np.array([1, 1]))
    assert loss == pytest.approx(500.0)  # (1000 + 0) / 2: example 0 misses by 1000, example 1 is certain
    assert_allclose(dx, [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-12)
