"""Hidden checks of the naive convolution."""
import numpy as np
import pytest

from autograder.grading.checks import Layer, check_backward, check_forward, check_numeric_gradients
from autograder.suites.conv_nets.inputs import CONV_CASES, conv_inputs

pytestmark = pytest.mark.rule("layers.untouched")

CONV = Layer("layers.conv_forward_naive", "layers.conv_backward_naive", ("x", "w", "b", "conv_param"),
             grads=("x", "w", "b"))


def flipped_kernel_output(reference, args):
    """What a true convolution (kernel flipped in both spatial axes) would output."""
    x, w, b, conv_param = args
    return reference.layers.conv_forward_naive(x, w[:, :, ::-1, ::-1].copy(), b, conv_param)[0]


@pytest.mark.task("conv_naive")
@pytest.mark.rule("conv.forward")
@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_forward(student, reference, rng, tol, case):
    """conv_forward_naive matches the reference (strides, padding, non-square kernels, N=1, C=1)"""
    args = conv_inputs(rng, **CONV_CASES[case])
    check_forward(student, reference, CONV, args, tol["forward"],
                  alternatives={"the kernel is flipped (convolution instead of cross-correlation)":
                                flipped_kernel_output(reference, args)})


@pytest.mark.task("conv_naive")
@pytest.mark.rule("conv.forward", "layers.float32")
def test_conv_forward_float32(student, reference, rng, tol):
    """conv_forward_naive keeps float32 inputs in float32"""
    check_forward(student, reference, CONV, conv_inputs(rng, **CONV_CASES["stride2_pad1"], dtype=np.float32),
                  tol["float32"])


@pytest.mark.task("conv_naive")
@pytest.mark.rule("conv.backward")
@pytest.mark.weight(2)
@pytest.mark.parametrize("case", ["stride2_pad1", "pad0", "stride3_nonsquare"])
def test_conv_backward(student, reference, rng, tol, case):
    """conv_backward_naive matches the reference gradients dx, dw, db"""
    check_backward(student, reference, CONV, conv_inputs(rng, **CONV_CASES[case]), rng, tol["gradient"],
                   tol["numeric"])


@pytest.mark.task("conv_naive")
@pytest.mark.rule("conv.backward")
@pytest.mark.requires("test_conv_forward")
@pytest.mark.parametrize("case", ["stride2_pad1", "nonsquare_kernel"])
def test_conv_backward_numeric(student, reference, rng, tol, case):
    """conv_backward_naive agrees with numeric gradients of your conv_forward_naive"""
    args = conv_inputs(rng, **CONV_CASES[case], N=1)
    check_numeric_gradients(student, reference, CONV, args, rng, tol["numeric"])
