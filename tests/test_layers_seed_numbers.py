"""The reference layers reproduce the figures the course notebooks print."""
from __future__ import annotations

import numpy as np
import pytest

from numnet import layers
from numnet.gradient_check import rel_error


def _ramp(start: float, stop: float, shape: tuple[int, ...]) -> np.ndarray:
    """Evenly spaced values from ``start`` to ``stop`` laid out in ``shape``."""
    return np.linspace(start, stop, num=int(np.prod(shape))).reshape(shape)


def test_conv_forward_naive_reproduces_course_output() -> None:
    x = _ramp(-0.1, 0.5, (2, 3, 4, 4))
    w = _ramp(-0.2, 0.3, (3, 3, 4, 4))
    b = np.linspace(-0.1, 0.2, num=3)
    expected = np.array(
        [
            [
                [[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
                [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
                [[0.50813986, 0.54309974], [0.64082444, 0.67101435]],
            ],
            [
                [[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
                [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
                [[2.36270298, 2.36904306], [2.38090835, 2.38247847]],
            ],
        ]
    )
    out, _ = layers.conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    assert out.shape == expected.shape
    assert rel_error(out, expected) < 1e-7


def test_max_pool_forward_naive_reproduces_course_output() -> None:
    x = _ramp(-0.3, 0.4, (2, 3, 4, 4))
    expected = np.array(
        [
            [
                [[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]],
                [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
                [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]],
            ],
            [
                [[0.09052632, 0.10526316], [0.14947368, 0.16421053]],
                [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
                [[0.32631579, 0.34105263], [0.38526316, 0.4]],
            ],
        ]
    )
    out, _ = layers.max_pool_forward_naive(x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    assert out.shape == expected.shape
    assert rel_error(out, expected) < 1e-7


@pytest.mark.parametrize(("gamma", "beta"), [([1.0, 1.0, 1.0], [0.0, 0.0, 0.0]), ([3.0, 4.0, 5.0], [6.0, 7.0, 8.0])])
def test_spatial_batchnorm_train_output_has_beta_means_and_gamma_stds(
    rng: np.random.Generator, gamma: list[float], beta: list[float]
) -> None:
    x = 4 * rng.standard_normal((2, 3, 4, 5)) + 10
    out, _ = layers.spatial_batchnorm_forward(x, np.array(gamma), np.array(beta), {"mode": "train"})
    assert out.shape == x.shape
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), beta, atol=1e-10)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), gamma, rtol=1e-5)


def test_spatial_batchnorm_test_mode_normalizes_with_warmed_up_running_averages(rng: np.random.Generator) -> None:
    N, C, H, W = 10, 4, 11, 12
    gamma, beta = np.ones(C), np.zeros(C)
    bn_param = {"mode": "train"}
    for _ in range(50):
        layers.spatial_batchnorm_forward(2.3 * rng.standard_normal((N, C, H, W)) + 13, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    out, _ = layers.spatial_batchnorm_forward(2.3 * rng.standard_normal((N, C, H, W)) + 13, gamma, beta, bn_param)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=0.1)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), 1, atol=0.05)


def test_spatial_groupnorm_normalizes_each_group_of_each_example(rng: np.random.Generator) -> None:
    N, C, H, W, G = 2, 6, 4, 5, 2
    x = 4 * rng.standard_normal((N, C, H, W)) + 10
    out, _ = layers.spatial_groupnorm_forward(x, np.ones((1, C, 1, 1)), np.zeros((1, C, 1, 1)), G, {})
    groups = out.reshape(N * G, -1)
    np.testing.assert_allclose(groups.mean(axis=1), 0, atol=1e-10)
    np.testing.assert_allclose(groups.std(axis=1), 1, rtol=1e-5)
    # Statistics are per group, not per example: a single channel is not standardized.
    assert np.abs(out[:, 0].std(axis=(1, 2)) - 1).max() > 1e-3


@pytest.mark.parametrize("num_classes", [2, 10, 100])
def test_softmax_loss_of_tiny_scores_is_log_of_class_count(rng: np.random.Generator, num_classes: int) -> None:
    scores = 0.001 * rng.standard_normal((50, num_classes))
    labels = rng.integers(num_classes, size=50)
    loss, _ = layers.softmax_loss(scores, labels)
    assert loss == pytest.approx(np.log(num_classes), abs=5e-3)


@pytest.mark.parametrize("num_classes", [2, 10, 100])
def test_svm_loss_of_tiny_scores_is_one_per_wrong_class(rng: np.random.Generator, num_classes: int) -> None:
    scores = 0.001 * rng.standard_normal((50, num_classes))
    labels = rng.integers(num_classes, size=50)
    loss, _ = layers.svm_loss(scores, labels)
    assert loss == pytest.approx(num_classes - 1, rel=1e-2)
