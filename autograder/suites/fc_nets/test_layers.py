"""Hidden checks of the fully connected layers: affine and ReLU."""
import numpy as np
import pytest

from autograder.grading.checks import Layer, check_backward, check_forward, check_numeric_gradients
from autograder.suites.fc_nets.inputs import relu_input

pytestmark = pytest.mark.rule("layers.untouched")

AFFINE = Layer("layers.affine_forward", "layers.affine_backward", ("x", "w", "b"), grads=("x", "w", "b"))
RELU = Layer("layers.relu_forward", "layers.relu_backward", ("x",), grads=("x",))


def affine_inputs(rng, dtype=np.float64, N=None):
    N = N or int(rng.integers(1, 5))
    dims = tuple(int(d) for d in rng.integers(1, 4, size=int(rng.integers(2, 4))))  # x has 3 or 4 axes
    M = int(rng.integers(2, 6))
    D = int(np.prod(dims))
    return [rng.standard_normal((N, *dims)).astype(dtype), rng.standard_normal((D, M)).astype(dtype),
            rng.standard_normal(M).astype(dtype)]


@pytest.mark.task("affine")
@pytest.mark.rule("affine.forward", "layers.float32")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_affine_forward(student, reference, rng, tol, dtype):
    """affine_forward matches the reference on multi-axis inputs"""
    check_forward(student, reference, AFFINE, affine_inputs(rng, dtype), tol["forward"] if dtype == np.float64 else tol["float32"])


@pytest.mark.task("affine")
@pytest.mark.rule("affine.backward")
def test_affine_backward(student, reference, rng, tol):
    """affine_backward matches the reference gradients"""
    check_backward(student, reference, AFFINE, affine_inputs(rng), rng, tol["gradient"], tol["numeric"])


@pytest.mark.task("affine")
@pytest.mark.rule("affine.forward", "affine.backward")
def test_affine_single_example(student, reference, rng, tol):
    """affine_forward and affine_backward handle a batch of one example"""
    args = affine_inputs(rng, N=1)
    check_forward(student, reference, AFFINE, args, tol["forward"])
    check_backward(student, reference, AFFINE, args, rng, tol["gradient"], tol["numeric"])


@pytest.mark.task("affine")
@pytest.mark.rule("affine.backward")
@pytest.mark.requires("test_affine_forward")
def test_affine_backward_numeric(student, reference, rng, tol):
    """affine_backward agrees with numeric gradients of your affine_forward"""
    check_numeric_gradients(student, reference, AFFINE, affine_inputs(rng), rng, tol["numeric"])


@pytest.mark.task("relu")
@pytest.mark.rule("relu.forward", "layers.float32")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_relu_forward(student, reference, rng, tol, dtype):
    """relu_forward matches the reference and keeps the dtype"""
    check_forward(student, reference, RELU, relu_input(rng, dtype)[0], tol["forward"])


@pytest.mark.task("relu")
@pytest.mark.rule("relu.backward")
def test_relu_backward(student, reference, rng, tol):
    """relu_backward matches the reference gradient"""
    args, dout = relu_input(rng)
    check_backward(student, reference, RELU, args, rng, tol["gradient"], tol["numeric"], dout=dout)


@pytest.mark.task("relu")
@pytest.mark.rule("relu.backward")
@pytest.mark.requires("test_relu_forward")
def test_relu_backward_numeric(student, reference, rng, tol):
    """relu_backward agrees with numeric gradients of your relu_forward"""
    args, dout = relu_input(rng, largest=3)
    check_numeric_gradients(student, reference, RELU, args, rng, tol["numeric"], dout=dout)


@pytest.mark.task("relu")
@pytest.mark.rule("relu.zero")
def test_relu_backward_at_zero(student, reference, rng, tol):
    """relu_backward passes no gradient where the input is exactly zero"""
    (x,), dout = relu_input(rng)
    zeros = rng.choice(x.size, size=max(1, x.size // 2), replace=False)
    x.flat[zeros] = 0.0
    dout.flat[zeros] = np.abs(dout.flat[zeros]) + 0.1  # a gradient passed at zero would show
    check_backward(student, reference, RELU, [x], rng, tol["gradient"], tol["numeric"], dout=dout)
