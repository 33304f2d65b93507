"""Every reference backward against numeric gradients, over randomized geometries.

float64 gradients must match element-by-element centred differences to each
layer's relative tolerance (the course's figures). Elements far smaller than the
gradient's typical size only need to match to within the centred differences'
own noise: their relative error measures that noise, not the backward.
float32 runs must stay float32 and agree with float64.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from numnet import layers
from numnet.selfcheck import (
    LayerCase,
    affine_case,
    batchnorm_case,
    conv_case,
    dropout_case,
    numeric_gradients,
    groupnorm_case,
    layernorm_case,
    max_pool_case,
    relu_case,
    softmax_case,
    spatial_batchnorm_case,
    svm_case,
    upstream_gradient,
)

SEEDS = range(5)
# Absolute noise of centred differences (h = 1e-5) on the unit-scale data used
# here; the largest seen over thousands of random cases was 2e-9.
NUMERIC_NOISE = 1e-8


def _fitting_conv(rng: np.random.Generator) -> tuple:
    """A random (x_shape, w_shape, stride, pad) whose stride tiles the padded input."""
    while True:
        N, C, F = rng.integers(1, [3, 4, 4], endpoint=True)
        HH, WW, stride, H_out, W_out = rng.integers(1, 3, size=5, endpoint=True)
        pad = int(rng.integers(0, 2, endpoint=True))
        H, W = (np.array([H_out, W_out]) - 1) * stride + [HH, WW] - 2 * pad
        if min(H, W) >= 1:
            return (N, C, H, W), (F, C, HH, WW), int(stride), pad


def _fitting_pool(rng: np.random.Generator) -> tuple:
    """A random (x_shape, pool_height, pool_width, stride) whose stride tiles the input."""
    N, C, ph, pw, stride, H_out, W_out = rng.integers(1, 3, size=7, endpoint=True)
    H, W = (np.array([H_out, W_out]) - 1) * stride + [ph, pw]
    return (N, C, H, W), int(ph), int(pw), int(stride)


def _grouped_shape(rng: np.random.Generator) -> tuple:
    """A random (x_shape, G) where G divides C and each group holds at least three values."""
    while True:
        N, G, per_group, H, W = rng.integers(1, 3, size=5, endpoint=True)
        if per_group * H * W >= 3:
            return (N, G * per_group, H, W), int(G)


# Edge geometries that random draws may miss, by what they exercise.
EDGE_CONVS = {
    "N=1,C=F=1,non-square-kernel": ((1, 1, 4, 6), (1, 1, 2, 4), 2, 0),
    "tall-kernel,pad-1": ((1, 2, 3, 3), (3, 2, 3, 1), 1, 1),
    "1x1-image,1x1-kernel": ((2, 1, 1, 1), (1, 1, 1, 1), 1, 0),
}
EDGE_POOLS = {
    "overlapping-3x3-stride-1": ((1, 1, 5, 5), 3, 3, 1),
    "non-square-2x3": ((2, 3, 4, 5), 2, 3, 1),
    "stride-beyond-window": ((1, 2, 5, 5), 1, 1, 2),
    "tall-4x2-stride-2": ((1, 1, 6, 4), 4, 2, 2),
}
EDGE_GROUPS = {
    "N=1,C=1": ((1, 1, 1, 3), 1),
    "G=1": ((2, 4, 2, 3), 1),
    "G=C": ((2, 4, 2, 3), 4),
    "course-shape": ((2, 6, 4, 5), 2),
}


def _random_cases(seed: int) -> Iterator[LayerCase]:
    """One case per layer with shapes and settings drawn from ``seed``."""
    rng = np.random.default_rng(seed)

    def size(low: int, high: int) -> int:
        return int(rng.integers(low, high, endpoint=True))

    def shape(min_ndim: int, max_ndim: int) -> tuple[int, ...]:
        return tuple(size(1, 4) for _ in range(size(min_ndim, max_ndim)))

    yield affine_case(rng, shape(2, 4), size(1, 4))
    yield relu_case(rng, shape(1, 4))
    yield softmax_case(rng, size(1, 5), size(2, 6))
    yield svm_case(rng, size(1, 5), size(2, 6))
    # From four examples up: three offset values can lie so close together that
    # float32 centring loses most digits, which says nothing about the layer.
    yield batchnorm_case(rng, size(4, 6), size(1, 5))
    yield batchnorm_case(rng, size(1, 5), size(1, 5), mode="test")
    yield layernorm_case(rng, size(1, 4), size(3, 6))
    yield dropout_case(rng, shape(1, 3), p=float(rng.uniform(0.2, 1)), seed=seed)
    yield conv_case(rng, *_fitting_conv(rng))
    yield max_pool_case(rng, *_fitting_pool(rng))
    yield spatial_batchnorm_case(rng, (size(1, 3), size(1, 3), size(3, 4), size(1, 3)))
    yield groupnorm_case(rng, *_grouped_shape(rng))


def _edge_cases() -> Iterator[tuple[str, LayerCase]]:
    rng = np.random.default_rng(0)
    for label, geometry in EDGE_CONVS.items():
        yield label, conv_case(rng, *geometry)
    for label, geometry in EDGE_POOLS.items():
        yield label, max_pool_case(rng, *geometry)
    for label, (shape, groups) in EDGE_GROUPS.items():
        yield label, groupnorm_case(rng, shape, groups)
    yield "N=1,C=1", spatial_batchnorm_case(rng, (1, 1, 1, 3))


def _shapes(case: LayerCase) -> str:
    return ",".join(f"{name}{'x'.join(map(str, value.shape))}" for name, value in case.inputs.items())


CASES = [
    pytest.param(case, id=f"{case.name}-seed{seed}-{_shapes(case)}") for seed in SEEDS for case in _random_cases(seed)
]
CASES += [pytest.param(case, id=f"{case.name}-{label}") for label, case in _edge_cases()]


@pytest.mark.parametrize("case", CASES)
def test_float64_backward_matches_numeric_gradient(case: LayerCase) -> None:
    dout = upstream_gradient(case, np.random.default_rng(1001))
    analytic = case.gradients(dout)
    for name, numeric in numeric_gradients(case, dout).items():
        np.testing.assert_allclose(analytic[name], numeric, rtol=case.tolerance, atol=NUMERIC_NOISE, err_msg=name)


@pytest.mark.parametrize("case", CASES)
def test_float32_stays_float32_and_agrees_with_float64(case: LayerCase) -> None:
    dout = upstream_gradient(case, np.random.default_rng(1002))
    single = case.astype(np.float32)
    out = single.output()
    if np.ndim(out):  # losses return a Python float
        assert out.dtype == np.float32
    expected = case.gradients(dout)
    for name, grad in single.gradients(dout.astype(np.float32)).items():
        assert grad.dtype == np.float32, name
        scale = np.abs(expected[name]).max()
        np.testing.assert_allclose(grad, expected[name], rtol=1e-4, atol=1e-4 * scale, err_msg=name)


@pytest.mark.parametrize("mode", ["train", "test"])
@pytest.mark.parametrize("seed", SEEDS)
def test_batchnorm_backward_alt_equals_batchnorm_backward(seed: int, mode: str) -> None:
    rng = np.random.default_rng(seed)
    case = batchnorm_case(rng, int(rng.integers(1, 8)), int(rng.integers(1, 6)), mode=mode)
    dout = upstream_gradient(case, rng)
    _, cache = case.forward(*case.inputs.values())
    for step_by_step, closed_form in zip(
        layers.batchnorm_backward(dout, cache), layers.batchnorm_backward_alt(dout, cache), strict=True
    ):
        np.testing.assert_allclose(closed_form, step_by_step, rtol=1e-10, atol=1e-12)
