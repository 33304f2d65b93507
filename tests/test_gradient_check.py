"""The numeric gradient tools, and the self-check built on them, tell a correct
backward from a broken one."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial

import numpy as np
import pytest

from numnet import layers, selfcheck
from numnet.gradient_check import (
    directional_gradient_check,
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    grad_check_sparse,
    rel_error,
)
from numnet.selfcheck import (
    LayerCase,
    directional_check,
    full_check,
    reference_cases,
    upstream_gradient,
)

# --- deliberately broken backwards, each a classic mistake ---------------------------


def relu_backward_ignoring_the_mask(dout, cache):
    return dout.copy()


def batchnorm_backward_without_the_mean_term(dout, cache):
    dx, dgamma, dbeta = layers.batchnorm_backward(dout, cache)
    return dx + cache["inv_std"] * (dout * cache["gamma"]).mean(axis=0), dgamma, dbeta


def conv_backward_with_flipped_kernel(dout, cache):
    x, w, stride, pad = cache
    return layers.conv_backward_naive(dout, (x, w[:, :, ::-1, ::-1], stride, pad))


def max_pool_backward_to_the_minimum(dout, cache):
    x, pool_height, pool_width, stride = cache
    return layers.max_pool_backward_naive(dout, (-x, pool_height, pool_width, stride))


def affine_backward_averaging_dw(dout, cache):
    dx, dw, db = layers.affine_backward(dout, cache)
    return dx, dw / len(dout), db


def softmax_backward_without_batch_average(dout, dx):
    return float(dout) * dx * len(dx)


# Both checks must put every correct backward below TINY and every broken one
# above LARGE. Elementwise relative errors of a correct backward reach ~1e-6 on
# gradient entries close to zero, which is why TINY is not the course tolerance.
TINY, LARGE = 1e-5, 1e-3

BROKEN: dict[str, tuple[Callable[[np.random.Generator], LayerCase], Callable]] = {
    "relu": (lambda rng: selfcheck.relu_case(rng, (4, 5)), relu_backward_ignoring_the_mask),
    "batchnorm": (lambda rng: selfcheck.batchnorm_case(rng, 5, 4), batchnorm_backward_without_the_mean_term),
    "conv": (lambda rng: selfcheck.conv_case(rng, (2, 3, 5, 5), (2, 3, 3, 3), 2, 1), conv_backward_with_flipped_kernel),
    "max_pool": (lambda rng: selfcheck.max_pool_case(rng, (2, 2, 5, 5), 3, 3, 2), max_pool_backward_to_the_minimum),
    "affine": (lambda rng: selfcheck.affine_case(rng, (3, 2, 3), 4), affine_backward_averaging_dw),
    "softmax": (lambda rng: selfcheck.softmax_case(rng, 6, 5), softmax_backward_without_batch_average),
}


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("layer", list(BROKEN))
def test_full_and_directional_checks_both_catch_a_broken_backward(layer: str, seed: int) -> None:
    build, broken_backward = BROKEN[layer]
    reference = build(np.random.default_rng(seed))
    broken = replace(reference, backward=broken_backward)
    dout = upstream_gradient(reference, np.random.default_rng(seed + 100))
    for check in (full_check, partial(directional_check, seed=seed + 200)):
        assert max(check(reference, dout).values()) < TINY
        assert max(check(broken, dout).values()) > LARGE


# --- the self-check command ----------------------------------------------------------


def test_selfcheck_lists_every_layer_and_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert selfcheck.main() == 0
    printed = capsys.readouterr().out
    assert all(case.name in printed for case in reference_cases())
    assert "FAIL" not in printed


def test_selfcheck_fails_when_a_backward_is_broken(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    correct = selfcheck.relu_case(np.random.default_rng(0), (3, 4))
    broken = replace(correct, name="broken relu", backward=relu_backward_ignoring_the_mask)
    monkeypatch.setattr(selfcheck, "reference_cases", lambda: [correct, broken])
    assert selfcheck.main() == 1
    assert "FAIL" in capsys.readouterr().out


# --- rel_error ---------------------------------------------------------------------


def test_rel_error_is_the_largest_elementwise_relative_difference() -> None:
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0
    assert rel_error(np.array([1.0, 3.0]), np.array([1.0, 1.0])) == pytest.approx(0.5)
    assert rel_error(np.array([-2.0]), np.array([2.0])) == pytest.approx(1.0)
    assert rel_error([4, 1], [2, 1]) == rel_error([2, 1], [4, 1]) == pytest.approx(1 / 3)


def test_rel_error_floors_the_denominator_for_values_near_zero() -> None:
    assert rel_error(np.zeros(3), np.zeros(3)) == 0
    assert rel_error(0.0, 1e-10) == pytest.approx(1e-2)


# --- numeric gradients -----------------------------------------------------------------


def test_eval_numerical_gradient_matches_calculus_and_restores_x(rng: np.random.Generator) -> None:
    a = rng.standard_normal((3, 4))
    x = rng.standard_normal((3, 4))
    before = x.copy()
    grad = eval_numerical_gradient(lambda v: float(np.sum(a * v**3)), x)
    np.testing.assert_allclose(grad, 3 * a * before**2, rtol=1e-7, atol=1e-8)
    np.testing.assert_array_equal(x, before)


def test_eval_numerical_gradient_works_through_a_closure_over_the_perturbed_array(rng: np.random.Generator) -> None:
    weights = rng.standard_normal(5)
    grad = eval_numerical_gradient(lambda _: float(np.sum(weights**2)), weights)
    np.testing.assert_allclose(grad, 2 * weights, rtol=1e-8)


def test_eval_numerical_gradient_array_weights_by_upstream_gradient_and_restores_x(rng: np.random.Generator) -> None:
    x, df = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    before = x.copy()
    grad = eval_numerical_gradient_array(lambda v: np.sin(v), x, df)
    np.testing.assert_allclose(grad, np.cos(before) * df, rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(x, before)


def _cubic(v: np.ndarray) -> float:
    return float(np.sum(v**3))


def test_grad_check_sparse_accepts_a_correct_gradient_and_rejects_a_wrong_one(rng: np.random.Generator) -> None:
    x = rng.standard_normal((4, 5))
    before = x.copy()
    good = grad_check_sparse(_cubic, x, 3 * x**2, num_checks=7, seed=0)
    bad = grad_check_sparse(_cubic, x, 6 * x**2, num_checks=7, seed=0)
    assert good.shape == bad.shape == (7,)
    assert good.max() < 1e-8
    np.testing.assert_allclose(bad, 1 / 3, rtol=1e-6)
    np.testing.assert_array_equal(x, before)


def test_grad_check_sparse_is_reproducible_with_a_seed(rng: np.random.Generator) -> None:
    x = rng.standard_normal((6, 6))
    analytic = 3 * x**2 + rng.standard_normal((6, 6))  # wrong, so the errors reveal which elements were drawn
    first = grad_check_sparse(_cubic, x, analytic, num_checks=5, seed=9)
    np.testing.assert_array_equal(first, grad_check_sparse(_cubic, x, analytic, num_checks=5, seed=9))
    assert not np.array_equal(first, grad_check_sparse(_cubic, x, analytic, num_checks=5, seed=10))


# --- directional check -------------------------------------------------------------


def test_directional_check_of_a_linear_map(rng: np.random.Generator) -> None:
    matrix, x, dout = rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal(3)
    before = x.copy()
    result = directional_gradient_check(lambda v: matrix @ v, x, matrix.T @ dout, dout, num_directions=5, seed=1)
    assert result.numeric.shape == result.analytic.shape == (5,)
    np.testing.assert_allclose(result.numeric, result.analytic, rtol=1e-8)
    scale = np.max(np.abs(result.numeric) + np.abs(result.analytic))
    assert result.rel_error == np.max(np.abs(result.numeric - result.analytic)) / scale < 1e-8
    np.testing.assert_array_equal(x, before)
    wrong = directional_gradient_check(lambda v: matrix @ v, x, matrix.T @ dout + 0.1, dout, seed=1)
    assert wrong.rel_error > 1e-3


def test_directional_check_is_reproducible_with_a_seed(rng: np.random.Generator) -> None:
    x, dout = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    first = directional_gradient_check(np.tanh, x, dout / np.cosh(x) ** 2, dout, seed=4)
    again = directional_gradient_check(np.tanh, x, dout / np.cosh(x) ** 2, dout, seed=4)
    np.testing.assert_array_equal(first.numeric, again.numeric)
    np.testing.assert_array_equal(first.analytic, again.analytic)


def test_directional_check_rejects_a_gradient_of_the_wrong_shape() -> None:
    with pytest.raises(ValueError, match=r"shape of x \(2, 3\), got \(3, 2\)"):
        directional_gradient_check(np.tanh, np.zeros((2, 3)), np.zeros((3, 2)), np.zeros((2, 3)))
