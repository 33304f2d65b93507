"""The shared hidden checks tell a wrong backward from one consistent with a wrong forward."""
from types import SimpleNamespace

import numpy as np
import pytest

from autograder.grading.checks import Layer, check_backward, check_forward, check_numeric_gradients
from autograder.grading.compare import Mismatch
from numnet import layers

AFFINE = Layer("probe.affine_forward", "probe.affine_backward", ("x", "w", "b"), grads=("x", "w", "b"))
REFERENCE = SimpleNamespace(probe=SimpleNamespace(affine_forward=layers.affine_forward, affine_backward=layers.affine_backward))

FORWARD_TIMES_TWO = """
    def affine_forward(x, w, b):
        return 2 * (x.reshape(len(x), -1) @ w + b), (x, w)
    def affine_backward(dout, cache):
        x, w = cache
        return (2 * dout @ w.T).reshape(x.shape), 2 * x.reshape(len(x), -1).T @ dout, 2 * dout.sum(0)
"""
BACKWARD_WITHOUT_TRANSPOSE_SUM = """
    def affine_forward(x, w, b):
        return x.reshape(len(x), -1) @ w + b, (x, w)
    def affine_backward(dout, cache):
        x, w = cache
        return (dout @ w.T).reshape(x.shape), x.reshape(len(x), -1).T @ dout, dout.sum(0) * 3
"""
MODIFIES_INPUT = """
    def affine_forward(x, w, b):
        x *= 1.0001
        return x.reshape(len(x), -1) @ w + b, (x, w)
"""


def inputs(rng):
    return [rng.standard_normal((3, 2, 2)), rng.standard_normal((4, 5)), rng.standard_normal(5)]


def test_backward_consistent_with_a_wrong_forward_is_named(make_student, rng):
    student = make_student(FORWARD_TIMES_TWO)
    with pytest.raises(Mismatch, match="factor of 2"):
        check_forward(student, REFERENCE, AFFINE, inputs(rng), 1e-7)
    with pytest.raises(Mismatch, match="consistent with your forward, but the forward is wrong"):
        check_backward(student, REFERENCE, AFFINE, inputs(rng), rng, 1e-6, 1e-5)
    check_numeric_gradients(student, REFERENCE, AFFINE, inputs(rng), rng, 1e-5)


def test_a_wrong_backward_fails_both_gradient_checks(make_student, rng):
    student = make_student(BACKWARD_WITHOUT_TRANSPOSE_SUM)
    check_forward(student, REFERENCE, AFFINE, inputs(rng), 1e-7)
    with pytest.raises(Mismatch, match=r"db: .*factor of 3.*numeric gradient of your own forward either"):
        check_backward(student, REFERENCE, AFFINE, inputs(rng), rng, 1e-6, 1e-5)
    with pytest.raises(Mismatch, match="db disagrees with the numeric gradient"):
        check_numeric_gradients(student, REFERENCE, AFFINE, inputs(rng), rng, 1e-5)


def test_changing_an_input_in_place_is_reported(make_student, rng):
    student = make_student(MODIFIES_INPUT)
    args = inputs(rng)
    before = [a.copy() for a in args]
    with pytest.raises(Mismatch, match="modified its input x in place"):
        check_forward(student, REFERENCE, AFFINE, args, 1e-7)
    assert all(np.array_equal(a, b) for a, b in zip(args, before))
