"""Hidden checks of the naive max pooling."""
import numpy as np
import pytest

from autograder.grading.checks import Layer, check_backward, check_forward, check_numeric_gradients
from autograder.suites.conv_nets.inputs import POOL_CASES, pool_inputs

pytestmark = pytest.mark.rule("layers.untouched")

FIRST_MAXIMUM = ("a window's gradient goes only to the first of its tied maxima in row-major order "
                 "(numeric gradients are not defined at ties, so they can't tell which routing is right)")
POOL = Layer("layers.max_pool_forward_naive", "layers.max_pool_backward_naive", ("x", "pool_param"), grads=("x",))


@pytest.mark.task("max_pool_naive")
@pytest.mark.rule("pool.forward")
@pytest.mark.parametrize("case", POOL_CASES)
def test_max_pool_forward(student, reference, rng, tol, case):
    """max_pool_forward_naive matches the reference (tiling, overlapping and non-square pools, N=1, C=1)"""
    check_forward(student, reference, POOL, pool_inputs(rng, **POOL_CASES[case]), tol["forward"])


@pytest.mark.task("max_pool_naive")
@pytest.mark.rule("pool.forward", "layers.float32")
def test_max_pool_forward_float32(student, reference, rng, tol):
    """max_pool_forward_naive keeps float32 inputs in float32"""
    check_forward(student, reference, POOL, pool_inputs(rng, **POOL_CASES["overlapping_3x3_stride2"],
                                                        dtype=np.float32), tol["float32"])


@pytest.mark.task("max_pool_naive")
@pytest.mark.rule("pool.backward")
@pytest.mark.weight(2)
@pytest.mark.parametrize("case", ["tiling_2x2", "overlapping_3x3_stride2", "nonsquare_2x3_stride1",
                                  "nonsquare_3x2_stride2"])
def test_max_pool_backward(student, reference, rng, tol, case):
    """max_pool_backward_naive matches the reference gradient"""
    check_backward(student, reference, POOL, pool_inputs(rng, **POOL_CASES[case]), rng, tol["gradient"],
                   tol["numeric"])


@pytest.mark.task("max_pool_naive")
@pytest.mark.rule("pool.ties")
@pytest.mark.parametrize("case", ["tiling_2x2", "overlapping_3x3_stride2"])
def test_max_pool_backward_ties(student, reference, rng, tol, case):
    """max_pool_backward_naive sends a window's gradient only to its first maximum when values tie"""
    check_backward(student, reference, POOL, pool_inputs(rng, **POOL_CASES[case], ties=True), rng,
                   tol["gradient"], tol["numeric"], ties=FIRST_MAXIMUM)


@pytest.mark.task("max_pool_naive")
@pytest.mark.rule("pool.backward")
@pytest.mark.requires("test_max_pool_forward")
def test_max_pool_backward_numeric(student, reference, rng, tol):
    """max_pool_backward_naive agrees with numeric gradients of your max_pool_forward_naive"""
    args = pool_inputs(rng, **POOL_CASES["nonsquare_3x2_stride2"], N=1)
    check_numeric_gradients(student, reference, POOL, args, rng, tol["numeric"])
