"""Hidden checks of spatial batch normalization and spatial group normalization."""
import copy

import numpy as np
import pytest

from autograder.grading.checks import Layer, check_backward, check_forward, check_numeric_gradients
from autograder.grading.compare import Mismatch, expect_array, expect_structure
from autograder.suites.conv_nets.inputs import norm_inputs

pytestmark = pytest.mark.rule("layers.untouched")

SPATIAL_BN = Layer("layers.spatial_batchnorm_forward", "layers.spatial_batchnorm_backward",
                   ("x", "gamma", "beta", "bn_param"), grads=("x", "gamma", "beta"))
GROUPNORM = Layer("layers.spatial_groupnorm_forward", "layers.spatial_groupnorm_backward",
                  ("x", "gamma", "beta", "G", "gn_param"), grads=("x", "gamma", "beta"))


def bn_args(rng, C=None, dtype=np.float64, mode="train"):
    C = C or int(rng.integers(2, 5))
    x, gamma, beta = norm_inputs(rng, C, dtype)
    bn_param = {"mode": mode, "eps": float(rng.uniform(0.05, 0.5)), "momentum": float(rng.uniform(0.5, 0.95)),
                "running_mean": rng.standard_normal(C).astype(dtype),
                "running_var": rng.uniform(0.5, 2.0, C).astype(dtype)}
    return [x, gamma, beta, bn_param]


def bn_mistakes(args):
    """Outputs of common spatial batchnorm mistakes on the same inputs."""
    x, gamma, beta, bn_param = args
    scale, shift, eps = gamma[:, None, None], beta[:, None, None], bn_param["eps"]
    return {
        "statistics over the batch axis only (per channel and pixel)":
            scale * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + shift,
        "unbiased variance (ddof=1) instead of the biased one":
            scale * (x - x.mean(axis=(0, 2, 3), keepdims=True))
            / np.sqrt(x.var(axis=(0, 2, 3), ddof=1, keepdims=True) + eps) + shift,
    }


@pytest.mark.task("spatial_batchnorm")
@pytest.mark.rule("spatial_batchnorm.train")
@pytest.mark.parametrize("C", [1, 3])
def test_spatial_batchnorm_forward_train(student, reference, rng, tol, C):
    """spatial_batchnorm_forward in train mode normalizes each channel over N, H and W"""
    args = bn_args(rng, C)
    check_forward(student, reference, SPATIAL_BN, args, tol["forward"], alternatives=bn_mistakes(args))


@pytest.mark.task("spatial_batchnorm")
@pytest.mark.rule("spatial_batchnorm.train", "layers.float32")
def test_spatial_batchnorm_forward_float32(student, reference, rng, tol):
    """spatial_batchnorm_forward keeps float32 inputs in float32"""
    check_forward(student, reference, SPATIAL_BN, bn_args(rng, dtype=np.float32), tol["float32"])


@pytest.mark.task("spatial_batchnorm")
@pytest.mark.rule("spatial_batchnorm.test")
def test_spatial_batchnorm_forward_test_mode(student, reference, rng, tol):
    """spatial_batchnorm_forward in test mode normalizes with the running averages"""
    check_forward(student, reference, SPATIAL_BN, bn_args(rng, mode="test"), tol["forward"])


@pytest.mark.task("spatial_batchnorm")
@pytest.mark.rule("spatial_batchnorm.running", "spatial_batchnorm.test")
@pytest.mark.weight(2)
def test_spatial_batchnorm_running_averages(student, reference, rng, tol):
    """running averages in bn_param follow the reference over several train calls, then drive test mode"""
    x, gamma, beta, bn_param = bn_args(rng)
    student_param, reference_param = copy.deepcopy(bn_param), copy.deepcopy(bn_param)
    forward = student.layers.spatial_batchnorm_forward
    for step in range(3):
        batch = x + rng.standard_normal(x.shape)
        reference.layers.spatial_batchnorm_forward(batch, gamma, beta, reference_param)
        call = forward.effects(batch, gamma, beta, student_param)
        student_param = call.args[3]
        if not isinstance(student_param, dict):
            raise Mismatch("spatial_batchnorm_forward replaced bn_param by something that is not a dict")
        for key in ("running_mean", "running_var"):
            expect_array(f"bn_param['{key}'] after train call {step + 1}", student_param.get(key),
                         reference_param[key], tol["forward"])
    student_param["mode"] = reference_param["mode"] = "test"
    expected = reference.layers.spatial_batchnorm_forward(x, gamma, beta, reference_param)[0]
    out, _ = expect_structure(SPATIAL_BN.forward, forward(x, gamma, beta, student_param), 2)
    expect_array("spatial_batchnorm_forward output in test mode after training", out, expected, tol["forward"])


@pytest.mark.task("spatial_batchnorm")
@pytest.mark.rule("spatial_batchnorm.backward")
@pytest.mark.weight(2)
def test_spatial_batchnorm_backward(student, reference, rng, tol):
    """spatial_batchnorm_backward matches the reference gradients dx, dgamma, dbeta after a train-mode forward"""
    check_backward(student, reference, SPATIAL_BN, bn_args(rng), rng, tol["gradient"], tol["numeric"])


@pytest.mark.task("spatial_batchnorm")
@pytest.mark.rule("spatial_batchnorm.backward")
@pytest.mark.requires("test_spatial_batchnorm_forward_train")
def test_spatial_batchnorm_backward_numeric(student, reference, rng, tol):
    """spatial_batchnorm_backward agrees with numeric gradients of your forward"""
    check_numeric_gradients(student, reference, SPATIAL_BN, bn_args(rng), rng, tol["numeric"])


def gn_args(rng, C, G, dtype=np.float64):
    x, gamma, beta = norm_inputs(rng, C, dtype)
    gn_param = {"eps": float(rng.uniform(0.05, 0.5))}
    return [x, gamma.reshape(1, C, 1, 1), beta.reshape(1, C, 1, 1), G, gn_param]


def gn_mistakes(args):
    """Outputs of common group-norm mistakes on the same inputs."""
    x, gamma, beta, G, gn_param = args
    N, C, H, W = x.shape
    along_h = x.transpose(0, 2, 1, 3).reshape(N, G, -1)
    hat_h = ((along_h - along_h.mean(axis=2, keepdims=True)) / np.sqrt(along_h.var(axis=2, keepdims=True)
                                                                        + gn_param["eps"]))
    groups = x.reshape(N, G, -1)
    no_eps = (groups - groups.mean(axis=2, keepdims=True)) / groups.std(axis=2, keepdims=True)
    return {
        "groups taken along H instead of along the channels": gamma * hat_h.reshape(N, H, C, W).transpose(0, 2, 1, 3) + beta,
        "eps left out of the variance": gamma * no_eps.reshape(x.shape) + beta,
    }


GROUP_CASES = {"G1": (4, 1), "G_equals_C": (3, 3), "G2_of_4": (4, 2), "G3_of_6": (6, 3)}


@pytest.mark.task("spatial_groupnorm")
@pytest.mark.rule("groupnorm.forward")
@pytest.mark.parametrize("case", GROUP_CASES)
def test_spatial_groupnorm_forward(student, reference, rng, tol, case):
    """spatial_groupnorm_forward matches the reference (G=1, G=C and groups in between)"""
    args = gn_args(rng, *GROUP_CASES[case])
    check_forward(student, reference, GROUPNORM, args, tol["forward"], alternatives=gn_mistakes(args))


@pytest.mark.task("spatial_groupnorm")
@pytest.mark.rule("groupnorm.forward", "layers.float32")
def test_spatial_groupnorm_forward_float32(student, reference, rng, tol):
    """spatial_groupnorm_forward keeps float32 inputs in float32"""
    check_forward(student, reference, GROUPNORM, gn_args(rng, 4, 2, np.float32), tol["float32"])


@pytest.mark.task("spatial_groupnorm")
@pytest.mark.rule("groupnorm.backward")
@pytest.mark.weight(2)
@pytest.mark.parametrize("case", ["G1", "G2_of_4", "G_equals_C"])
def test_spatial_groupnorm_backward(student, reference, rng, tol, case):
    """spatial_groupnorm_backward matches the reference gradients dx, dgamma, dbeta"""
    check_backward(student, reference, GROUPNORM, gn_args(rng, *GROUP_CASES[case]), rng, tol["gradient"],
                   tol["numeric"])


@pytest.mark.task("spatial_groupnorm")
@pytest.mark.rule("groupnorm.backward")
@pytest.mark.requires("test_spatial_groupnorm_forward")
def test_spatial_groupnorm_backward_numeric(student, reference, rng, tol):
    """spatial_groupnorm_backward agrees with numeric gradients of your forward"""
    check_numeric_gradients(student, reference, GROUPNORM, gn_args(rng, 4, 2), rng, tol["numeric"])
