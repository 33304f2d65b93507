"""Hidden checks of the Cython im2col extension, through the fast layers built on it.

The runner has already compiled the submitted ``.pyx`` (a failed build fails the
task); here the student's compiled functions and the fast layers that call them
are compared with the reference's on the same inputs.
"""
import numpy as np
import pytest

from autograder.grading.checks import Layer, check_backward, check_forward
from autograder.grading.compare import expect_array
from autograder.suites.conv_nets.inputs import CONV_CASES, POOL_CASES, conv_inputs, pool_inputs

FAST_CONV = Layer("fast_layers.conv_forward_fast", "fast_layers.conv_backward_fast", ("x", "w", "b", "conv_param"),
                  grads=("x", "w", "b"))
# The im2col pool, not max_pool_forward_fast: the fast pool is compiled separately and never calls the student's loop.
IM2COL_POOL = Layer("fast_layers.max_pool_forward_im2col", "fast_layers.max_pool_backward_im2col", ("x", "pool_param"),
                    grads=("x",))


@pytest.mark.task("im2col")
@pytest.mark.rule("im2col.layout")
@pytest.mark.parametrize("case", ["stride2_pad1", "pad0", "stride3_nonsquare", "one_image_one_channel"])
def test_im2col_cython(student, reference, rng, tol, case):
    """your im2col_cython unfolds images exactly like the reference"""
    x, w, _, conv_param = conv_inputs(rng, **CONV_CASES[case])
    args = (w.shape[2], w.shape[3], conv_param["pad"], conv_param["stride"])
    expected = reference.im2col_cython.im2col_cython(x, *args)
    expect_array("im2col_cython columns", student.im2col_cython.im2col_cython(x, *args), expected, tol["forward"])


@pytest.mark.task("im2col")
@pytest.mark.rule("im2col.layout", "im2col.float32")
def test_im2col_cython_float32(student, reference, rng, tol):
    """your im2col_cython keeps float32 images in float32"""
    x = conv_inputs(rng, **CONV_CASES["pad0"], dtype=np.float32)[0]
    expected = reference.im2col_cython.im2col_cython(x, 3, 2, 1, 1)
    expect_array("im2col_cython columns", student.im2col_cython.im2col_cython(x, 3, 2, 1, 1), expected, tol["float32"])


@pytest.mark.task("im2col")
@pytest.mark.rule("im2col.layout", "im2col.untouched")
@pytest.mark.requires("test_im2col_cython")
@pytest.mark.weight(2)
@pytest.mark.parametrize("case", ["stride2_pad1", "nonsquare_kernel", "stride3_nonsquare"])
def test_conv_forward_fast(student, reference, rng, tol, case):
    """conv_forward_fast on your extension matches the reference"""
    check_forward(student, reference, FAST_CONV,
                  conv_inputs(rng, **CONV_CASES[case]), tol["forward"])


@pytest.mark.task("im2col")
@pytest.mark.rule("im2col.layout", "im2col.untouched")
@pytest.mark.requires("test_im2col_cython")
@pytest.mark.weight(2)
@pytest.mark.parametrize("case", ["stride2_pad1", "stride3_nonsquare"])
def test_conv_backward_fast(student, reference, rng, tol, case):
    """conv_backward_fast on your extension matches the reference gradients"""
    check_backward(student, reference, FAST_CONV,
                   conv_inputs(rng, **CONV_CASES[case]), rng, tol["gradient"], tol["numeric"])


@pytest.mark.task("im2col")
@pytest.mark.rule("im2col.layout", "im2col.untouched")
@pytest.mark.requires("test_im2col_cython")
@pytest.mark.parametrize("case", ["overlapping_3x3_stride2", "nonsquare_2x3_stride1", "nonsquare_3x2_stride2"])
def test_max_pool_im2col(student, reference, rng, tol, case):
    """max_pool_forward_im2col and backward on your extension (also for pools that do not tile) match the reference"""
    args = pool_inputs(rng, **POOL_CASES[case])
    check_forward(student, reference, IM2COL_POOL, args, tol["forward"])
    check_backward(student, reference, IM2COL_POOL, args, rng, tol["gradient"], tol["numeric"])
