"""The shared hidden checks tell a wrong backward from one consistent with a wrong forward."""
from types import SimpleNamespace

import numpy as np
import pytest

from autograder.grading.checks import Layer, built_on, check_backward, check_forward, check_numeric_gradients
from autograder.grading.client import StudentError
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


NO_CACHE_IN_TEST_MODE = """
    def batchnorm_forward(x, gamma, beta, bn_param):
        if bn_param["mode"] == "test":
            return gamma * x + beta, None
        return gamma * x + beta, (x, gamma)
    def batchnorm_backward(dout, cache):
        x, gamma = cache
        return dout * gamma, (dout * x).sum(0), dout.sum(0)
"""
BATCHNORM = Layer("probe.batchnorm_forward", "probe.batchnorm_backward", ("x", "gamma", "beta", "bn_param"),
                  grads=("x", "gamma", "beta"))
REFERENCE_BN = SimpleNamespace(probe=SimpleNamespace(batchnorm_forward=layers.batchnorm_forward,
                                                     batchnorm_backward=layers.batchnorm_backward))


def test_a_crash_names_the_call_and_its_mode(make_student, rng):
    student = make_student(NO_CACHE_IN_TEST_MODE)
    args = [rng.standard_normal((4, 3)), np.ones(3), np.zeros(3),
            {"mode": "test", "running_mean": np.zeros(3), "running_var": np.ones(3)}]
    with pytest.raises(StudentError, match=r"TypeError: .* in probe.batchnorm_backward, after a test-mode forward"):
        check_backward(student, REFERENCE_BN, BATCHNORM, args, rng, 1e-6, 1e-5)


def test_tied_maxima_are_explained_by_the_rule_not_by_numeric_gradients(make_student, rng):
    student = make_student("""
        import numpy as np
        def max_forward(x):
            return x.max(axis=1), x
        def max_backward(dout, x):
            return (x == x.max(axis=1, keepdims=True)) * dout[:, None]
    """)
    layer = Layer("probe.max_forward", "probe.max_backward", ("x",), grads=("x",))

    def first_maximum(dout, x):
        dx = np.zeros_like(x)
        dx[np.arange(len(x)), x.argmax(axis=1)] = dout
        return dx

    reference = SimpleNamespace(probe=SimpleNamespace(max_forward=lambda x: (x.max(axis=1), x), max_backward=first_maximum))
    tied = [np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])]
    with pytest.raises(Mismatch) as info:
        check_backward(student, reference, layer, tied, rng, 1e-6, 1e-5, ties="the first maximum gets the gradient")
    assert "the first maximum gets the gradient" in str(info.value) and "numeric" not in str(info.value)


def test_a_network_failure_names_the_broken_layer_task_first(make_student, rng):
    student = make_student(FORWARD_TIMES_TWO)
    blocks = {"affine": lambda: check_forward(student, REFERENCE, AFFINE, inputs(rng), 1e-7),
              "relu": lambda: None}
    with pytest.raises(Mismatch, match=r"network loss: off\.; .*task\(s\) 'affine' fail their own checks: fix them first"):
        with built_on(blocks):
            raise Mismatch("network loss: off.")
    with pytest.raises(Mismatch, match=r"^network loss: off\.$"):
        with built_on({"relu": lambda: None}):
            raise Mismatch("network loss: off.")
