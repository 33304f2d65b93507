"""Hidden checks of batch normalization (train/test, running averages, both backward
passes) and layer normalization."""
import copy

import numpy as np
import pytest

from autograder.grading.checks import Layer, check_backward, check_forward, check_numeric_gradients
from autograder.grading.compare import expect_array

pytestmark = pytest.mark.rule("layers.untouched")

BATCHNORM = Layer("layers.batchnorm_forward", "layers.batchnorm_backward", ("x", "gamma", "beta", "bn_param"),
                  grads=("x", "gamma", "beta"))
BATCHNORM_ALT = Layer("layers.batchnorm_forward", "layers.batchnorm_backward_alt", BATCHNORM.args, BATCHNORM.grads)
LAYERNORM = Layer("layers.layernorm_forward", "layers.layernorm_backward", ("x", "gamma", "beta", "ln_param"),
                  grads=("x", "gamma", "beta"))


AXES = ("the batch axis (0)", "the feature axis (1)")


def features(rng, N, D, dtype=np.float64):
    """Shifted, scaled inputs with their scale and shift parameters."""
    x = rng.uniform(1, 4) * rng.standard_normal((N, D)) + rng.uniform(-6, 6)
    return [x.astype(dtype), rng.standard_normal(D).astype(dtype), rng.standard_normal(D).astype(dtype)]


def normalized(x, gamma, beta, axis, eps, ddof=0, eps_outside=False):
    """``gamma * x_hat + beta`` with the statistics of ``axis``: the correct formula and its usual slips."""
    centered = x - x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, ddof=ddof, keepdims=True)
    std = np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps)
    return gamma * centered / std + beta


def slips(x, gamma, beta, axis, eps):
    """Outputs of the common normalization mistakes, for the failure message."""
    with np.errstate(all="ignore"):
        return {
            "unbiased variance (ddof=1) instead of the biased one": normalized(x, gamma, beta, axis, eps, ddof=1),
            "eps added outside the square root": normalized(x, gamma, beta, axis, eps, eps_outside=True),
            f"normalized over {AXES[1 - axis]} instead of {AXES[axis]}": normalized(x, gamma, beta, 1 - axis, eps),
        }


def bn_args(rng, N, D, dtype=np.float64, **bn_param):
    x, gamma, beta = features(rng, N, D, dtype)
    return [x, gamma, beta, {"mode": "train", **bn_param}]


@pytest.mark.task("batchnorm")
@pytest.mark.rule("batchnorm.train")
@pytest.mark.parametrize("eps", [None, "custom"])
def test_batchnorm_forward_train(student, reference, rng, tol, eps):
    """batchnorm_forward in train mode normalizes with the batch's mean and biased variance"""
    eps_value = 1e-5 if eps is None else float(rng.uniform(1e-2, 1e-1))
    args = bn_args(rng, int(rng.integers(2, 7)), int(rng.integers(2, 6)), **({} if eps is None else {"eps": eps_value}))
    check_forward(student, reference, BATCHNORM, args, tol["forward"], slips(*args[:3], axis=0, eps=eps_value))


@pytest.mark.task("batchnorm")
@pytest.mark.rule("batchnorm.train", "layers.float32")
def test_batchnorm_forward_float32(student, reference, rng, tol):
    """batchnorm_forward keeps float32 inputs in float32"""
    check_forward(student, reference, BATCHNORM, bn_args(rng, 5, 4, np.float32), tol["float32"])


def running_slips(old_mean, old_var, x, momentum):
    """Running averages as the common mistakes would leave them."""
    mean, var = x.mean(axis=0), x.var(axis=0)
    return {
        "mean": {"momentum weights swapped": (1 - momentum) * old_mean + momentum * mean},
        "var": {"momentum weights swapped": (1 - momentum) * old_var + momentum * var,
                "unbiased variance (ddof=1) instead of the biased one":
                    momentum * old_var + (1 - momentum) * x.var(axis=0, ddof=1)},
    }


@pytest.mark.task("batchnorm")
@pytest.mark.rule("batchnorm.running", "batchnorm.test")
@pytest.mark.weight(2)
@pytest.mark.parametrize("momentum", [None, "custom"])
def test_batchnorm_running_averages(student, reference, rng, tol, momentum):
    """batchnorm_forward updates running_mean/running_var in bn_param over consecutive train steps, then uses them in test mode"""
    D = int(rng.integers(2, 6))
    bn_param = {"mode": "train", "running_mean": rng.standard_normal(D), "running_var": rng.uniform(0.5, 2, D)}
    if momentum is not None:
        bn_param["momentum"] = float(rng.uniform(0.5, 0.8))
    rate = bn_param.get("momentum", 0.9)
    gamma, beta = rng.standard_normal(D), rng.standard_normal(D)
    mine, theirs = bn_param, copy.deepcopy(bn_param)
    for step in range(3):
        x = features(rng, int(rng.integers(3, 7)), D)[0]
        hints = running_slips(theirs["running_mean"], theirs["running_var"], x, rate)
        reference.layers.batchnorm_forward(x.copy(), gamma, beta, theirs)
        mine = student.layers.batchnorm_forward.effects(x, gamma, beta, mine).args[3]
        for key in ("mean", "var"):
            expect_array(f"bn_param['running_{key}'] after train step {step + 1}", mine.get(f"running_{key}"),
                         theirs[f"running_{key}"], tol["forward"], check_dtype=False, alternatives=hints[key])
    x = features(rng, int(rng.integers(2, 7)), D)[0]
    mine["mode"] = theirs["mode"] = "test"
    expected, _ = reference.layers.batchnorm_forward(x.copy(), gamma, beta, theirs)
    out, _ = student.layers.batchnorm_forward(x, gamma, beta, mine)
    expect_array("batchnorm_forward output in test mode after training", out, expected, tol["forward"],
                 alternatives={"batch statistics used in test mode": normalized(x, gamma, beta, 0, 1e-5)})


@pytest.mark.task("batchnorm")
@pytest.mark.rule("batchnorm.test")
def test_batchnorm_forward_test_mode(student, reference, rng, tol):
    """batchnorm_forward in test mode normalizes with the given running averages"""
    N, D = int(rng.integers(2, 7)), int(rng.integers(2, 6))
    x, gamma, beta = features(rng, N, D)
    bn_param = {"mode": "test", "running_mean": rng.standard_normal(D), "running_var": rng.uniform(0.5, 2, D)}
    check_forward(student, reference, BATCHNORM, [x, gamma, beta, bn_param], tol["forward"],
                  {"batch statistics used in test mode": normalized(x, gamma, beta, 0, 1e-5)})


@pytest.mark.task("batchnorm")
@pytest.mark.rule("batchnorm.backward")
@pytest.mark.weight(2)
@pytest.mark.parametrize("layer", [BATCHNORM, BATCHNORM_ALT], ids=["batchnorm_backward", "batchnorm_backward_alt"])
def test_batchnorm_backward(student, reference, rng, tol, layer):
    """batchnorm_backward and batchnorm_backward_alt match the reference gradients"""
    check_backward(student, reference, layer, bn_args(rng, int(rng.integers(2, 7)), int(rng.integers(2, 6))),
                   rng, tol["gradient"], tol["numeric"])


@pytest.mark.task("batchnorm")
@pytest.mark.rule("batchnorm.backward")
@pytest.mark.requires("test_batchnorm_forward_train")
@pytest.mark.parametrize("layer", [BATCHNORM, BATCHNORM_ALT], ids=["batchnorm_backward", "batchnorm_backward_alt"])
def test_batchnorm_backward_numeric(student, reference, rng, tol, layer):
    """batchnorm_backward and batchnorm_backward_alt agree with numeric gradients of your batchnorm_forward"""
    check_numeric_gradients(student, reference, layer, bn_args(rng, 3, int(rng.integers(2, 4))), rng, tol["numeric"])


def ln_args(rng, N, D, dtype=np.float64, **ln_param):
    return [*features(rng, N, D, dtype), dict(ln_param)]


@pytest.mark.task("layernorm")
@pytest.mark.rule("layernorm.forward")
@pytest.mark.parametrize("N", [1, 5])
def test_layernorm_forward(student, reference, rng, tol, N):
    """layernorm_forward normalizes every example over its own features (also for a single example)"""
    args = ln_args(rng, N, int(rng.integers(3, 7)))
    check_forward(student, reference, LAYERNORM, args, tol["forward"], slips(*args[:3], axis=1, eps=1e-5))


@pytest.mark.task("layernorm")
@pytest.mark.rule("layernorm.forward", "layers.float32")
def test_layernorm_forward_custom_eps_float32(student, reference, rng, tol):
    """layernorm_forward reads eps from ln_param and keeps float32 inputs in float32"""
    check_forward(student, reference, LAYERNORM, ln_args(rng, 4, 5, np.float32, eps=float(rng.uniform(1e-2, 1e-1))),
                  tol["float32"])


@pytest.mark.task("layernorm")
@pytest.mark.rule("layernorm.modes")
def test_layernorm_train_equals_test(student, reference, rng, tol):
    """layernorm_forward gives the same output whatever the mode"""
    x, gamma, beta, _ = ln_args(rng, 4, 5)
    expected, _ = reference.layers.layernorm_forward(x, gamma, beta, {})
    for mode in ("train", "test"):
        out, _ = student.layers.layernorm_forward(x, gamma, beta, {"mode": mode})
        expect_array(f"layernorm_forward output with mode '{mode}'", out, expected, tol["forward"])


@pytest.mark.task("layernorm")
@pytest.mark.rule("layernorm.backward")
@pytest.mark.weight(2)
def test_layernorm_backward(student, reference, rng, tol):
    """layernorm_backward matches the reference gradients"""
    check_backward(student, reference, LAYERNORM, ln_args(rng, int(rng.integers(1, 6)), int(rng.integers(3, 7))),
                   rng, tol["gradient"], tol["numeric"])


@pytest.mark.task("layernorm")
@pytest.mark.rule("layernorm.backward")
@pytest.mark.requires("test_layernorm_forward")
def test_layernorm_backward_numeric(student, reference, rng, tol):
    """layernorm_backward agrees with numeric gradients of your layernorm_forward"""
    check_numeric_gradients(student, reference, LAYERNORM, ln_args(rng, 2, int(rng.integers(3, 5))), rng, tol["numeric"])
