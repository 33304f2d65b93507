"""Hidden checks of inverted dropout, by the properties of its random masks."""
import numpy as np
import pytest

from autograder.grading.checks import check_untouched
from autograder.grading.compare import Mismatch, expect_array, expect_structure

pytestmark = pytest.mark.rule("layers.untouched")

LARGE = (400, 50)  # 20000 units: the kept fraction lies within 0.02 of p with overwhelming probability
FRACTION_SLACK = 0.02


def keep_probability(rng):
    """A keep probability far enough from 1/2 to tell keeping from dropping."""
    return float(rng.uniform(0.6, 0.85))


def nonzero_input(rng, shape, dtype=np.float64):
    x = rng.standard_normal(shape)
    return (x + np.copysign(0.1, x)).astype(dtype)


def train_forward(student, x, dropout_param):
    call = student.layers.dropout_forward.effects(x, dropout_param)
    check_untouched("dropout_forward", ("x",), (x,), call.args)
    out, cache = expect_structure("dropout_forward", call.result, 2)
    expect_array("dropout_forward output", out, x, np.inf)  # shape, dtype and finiteness only
    return out, cache


@pytest.mark.task("dropout")
@pytest.mark.rule("dropout.train", "layers.float32")
@pytest.mark.weight(2)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dropout_forward_train(student, rng, tol, dtype):
    """dropout_forward in train mode keeps a fraction p of the units, scales them by 1/p and zeroes the rest"""
    p = keep_probability(rng)
    x = nonzero_input(rng, LARGE, dtype)
    out, _ = train_forward(student, x, {"mode": "train", "p": p})
    kept = out != 0
    fraction = float(kept.mean())
    if abs(fraction - p) > FRACTION_SLACK:
        hint = " (p looks like the probability of dropping a unit)" if abs(fraction - (1 - p)) <= FRACTION_SLACK else ""
        raise Mismatch(f"dropout_forward kept a fraction {fraction:.3f} of the units, expected about p={p:.3f}{hint}")
    tolerance = tol["forward"] if dtype == np.float64 else tol["float32"]
    scaled = (x / np.asarray(p, dtype=dtype)).astype(dtype)
    expect_array("dropout_forward kept units", out[kept], scaled[kept], tolerance,
                 alternatives={"kept units not scaled by 1/p": x[kept], "kept units scaled by p": x[kept] * p})


@pytest.mark.task("dropout")
@pytest.mark.rule("dropout.test")
@pytest.mark.requires("test_dropout_forward_train")
def test_dropout_forward_test_mode(student, rng, tol):
    """dropout_forward in test mode returns its input unchanged"""
    x = nonzero_input(rng, (int(rng.integers(1, 6)), int(rng.integers(2, 8))), np.float32)
    out, _ = train_forward(student, x, {"mode": "test", "p": keep_probability(rng)})
    expect_array("dropout_forward output in test mode", out, x, tol["float32"])


@pytest.mark.task("dropout")
@pytest.mark.rule("dropout.seed")
@pytest.mark.requires("test_dropout_forward_train")
def test_dropout_seed_is_reproducible(student, rng):
    """dropout_forward with the same seed draws the same mask; other seeds draw other masks"""
    p, seed = keep_probability(rng), int(rng.integers(2**31))
    x = nonzero_input(rng, (20, 30))
    first, _ = train_forward(student, x, {"mode": "train", "p": p, "seed": seed})
    again, _ = train_forward(student, x, {"mode": "train", "p": p, "seed": seed})
    other, _ = train_forward(student, x, {"mode": "train", "p": p, "seed": seed + 1})
    expect_array("dropout_forward output for a repeated seed", again, first, 0.0)
    if np.array_equal(other != 0, first != 0):
        raise Mismatch("dropout_forward drew the same mask for two different seeds")


@pytest.mark.task("dropout")
@pytest.mark.rule("dropout.backward")
@pytest.mark.requires("test_dropout_forward_train")
@pytest.mark.weight(2)
def test_dropout_backward(student, rng, tol):
    """dropout_backward passes dout/p through the units your forward kept and zero elsewhere"""
    p = keep_probability(rng)
    x = nonzero_input(rng, (30, 20))
    out, cache = train_forward(student, x, {"mode": "train", "p": p})
    dout = rng.standard_normal(x.shape)
    call = student.layers.dropout_backward.effects(dout, cache)
    check_untouched("dropout_backward", ("dout",), (dout,), call.args)
    expected = np.where(out != 0, dout / p, 0.0)
    expect_array("dropout_backward dx", call.result, expected, tol["gradient"],
                 alternatives={"dout returned without the mask": dout, "mask applied without the 1/p scale": expected * p})


@pytest.mark.task("dropout")
@pytest.mark.rule("dropout.backward_test")
@pytest.mark.requires("test_dropout_forward_train")
def test_dropout_backward_test_mode(student, rng, tol):
    """dropout_backward after a test-mode forward returns dout unchanged"""
    x = nonzero_input(rng, (4, 6))
    _, cache = train_forward(student, x, {"mode": "test", "p": keep_probability(rng)})
    dout = rng.standard_normal(x.shape)
    expect_array("dropout_backward dx in test mode", student.layers.dropout_backward(dout, cache), dout, tol["gradient"])
