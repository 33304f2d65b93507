"""Inverted dropout."""
import numpy as np
import pytest
from numpy.testing import assert_allclose

from numnet.gradient_check import eval_numerical_gradient_array
from numnet.layers import dropout_backward, dropout_forward


@pytest.mark.task("dropout")
@pytest.mark.rule("dropout.train")
@pytest.mark.parametrize("p", [0.25, 0.6])
def test_dropout_keeps_a_fraction_p_and_rescales(p):
    x = np.random.default_rng(231).standard_normal((500, 500)) + 10
    out, _ = dropout_forward(x, {"mode": "train", "p": p, "seed": 123})
    kept = out != 0
    assert kept.mean() == pytest.approx(p, abs=0.01)
    assert_allclose(out[kept], x[kept] / p)
    assert out.mean() == pytest.approx(x.mean(), rel=0.02)


@pytest.mark.task("dropout")
@pytest.mark.rule("dropout.test")
def test_dropout_is_the_identity_at_test_time():
    x = np.random.default_rng(231).standard_normal((20, 30))
    out, _ = dropout_forward(x, {"mode": "test", "p": 0.3})
    assert_allclose(out, x)


@pytest.mark.task("dropout")
@pytest.mark.rule("dropout.backward")
def test_dropout_backward_matches_numeric_gradient():
    rng = np.random.default_rng(231)
    x, dout = rng.standard_normal((10, 10)) + 10, rng.standard_normal((10, 10))
    param = {"mode": "train", "p": 0.2, "seed": 123}
    dx = dropout_backward(dout, dropout_forward(x, param)[1])
    dx_num = eval_numerical_gradient_array(lambda v: dropout_forward(v, param)[0], x, dout)
    assert_allclose(dx, dx_num, rtol=1e-7, atol=1e-10)


@pytest.mark.task("dropout")
@pytest.mark.rule("dropout.seed")
def test_dropout_seed_fixes_the_mask():
    x = np.random.default_rng(231).standard_normal((30, 30)) + 10
    first, _ = dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 7})
    again, _ = dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 7})
    other, _ = dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 8})
    assert_allclose(again, first)
    assert not np.array_equal(other != 0, first != 0)


@pytest.mark.task("dropout")
@pytest.mark.rule("dropout.backward_test")
def test_dropout_backward_after_test_mode_passes_dout_through():
    rng = np.random.default_rng(231)
    x, dout = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    _, cache = dropout_forward(x, {"mode": "test", "p": 0.3})
    assert_allclose(dropout_backward(dout, cache), dout)
