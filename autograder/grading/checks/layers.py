"""Checks of a layer: a forward/backward pair named by its path in the course's package.

A :class:`Layer` names the pair; the checks call the student's pair through the
worker and the reference's here, on the same hidden inputs, and compare:

- :func:`check_forward`: outputs, shapes, dtypes, and that inputs are left untouched;
- :func:`check_backward`: gradients against the reference's, with a diagnosis that
  tells "backward wrong" from "backward consistent with a wrong forward";
- :func:`check_numeric_gradients`: gradients against numeric gradients of the
  student's own forward (:mod:`~autograder.grading.checks.gradients`).
"""
from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.grading.checks.gradients import numeric_gradient_error
from autograder.grading.client import StudentError
from autograder.grading.compare import Mismatch, array_problems, expect_array, expect_structure


@dataclass(frozen=True)
class Layer:
    """A forward/backward pair, e.g. ``Layer("layers.affine_forward", "layers.affine_backward",
    ("x", "w", "b"), grads=("x", "w", "b"))``.

    ``grads`` names, in order, the forward arguments the backward returns gradients for.
    """

    forward: str
    backward: str
    args: tuple[str, ...]
    grads: tuple[str, ...]


def resolve(package: Any, dotted: str) -> Any:
    """``resolve(student, "layers.affine_forward")`` follows the attribute path."""
    target = package
    for name in dotted.split("."):
        target = getattr(target, name)
    return target


def check_untouched(function: str, names: Sequence[str], before: Sequence[Any], after: Sequence[Any]) -> None:
    """Fail when a call changed one of its array arguments in place."""
    for name, old, new in zip(names, before, after):
        if isinstance(old, np.ndarray) and (not isinstance(new, np.ndarray) or new.shape != old.shape
                                            or not np.array_equal(new, old, equal_nan=True)):
            raise Mismatch(f"{function} modified its input {name} in place")


def mode_in(args: Sequence[Any]) -> str:
    """The ``mode`` of the first parameter dict among ``args`` ("train", "test"), or ""."""
    return next((str(a["mode"]) for a in args if isinstance(a, dict) and "mode" in a), "")


@contextlib.contextmanager
def calling(what: str) -> Iterator[None]:
    """Say which call (and in which case) crashed when the student's code raises,
    e.g. "in layers.batchnorm_backward, after a test-mode forward"."""
    try:
        yield
    except StudentError as error:
        error.where = f"{error.where}; {what}" if error.where else what
        error.args = (error.summary(),)
        raise


def forward_case(layer: Layer, args: Sequence[Any]) -> str:
    mode = mode_in(args)
    return f"in {layer.forward}" + (f", in {mode} mode" if mode else "")


def backward_case(layer: Layer, args: Sequence[Any]) -> str:
    mode = mode_in(args)
    return f"in {layer.backward}, after a {mode + '-mode ' if mode else ''}forward"


def in_float64(value: Any) -> Any:
    """``value`` with every float32 array in it (also inside lists, tuples and dicts) as float64."""
    if isinstance(value, np.ndarray) and value.dtype == np.float32:
        return value.astype(np.float64)
    if isinstance(value, (list, tuple)):
        return type(value)(in_float64(v) for v in value)
    if isinstance(value, dict):
        return {k: in_float64(v) for k, v in value.items()}
    return copy.deepcopy(value)


def exact_result(function: Any, args: Sequence[Any]) -> Any:
    """``function(*args)`` computed in float64 when some argument is float32 (what a float32
    result approximates), else ``None``."""
    if not _has_float32(args):
        return None
    return function(*in_float64(list(args)))


def _has_float32(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return value.dtype == np.float32
    if isinstance(value, (list, tuple)):
        return any(_has_float32(v) for v in value)
    if isinstance(value, dict):
        return any(_has_float32(v) for v in value.values())
    return False


def check_forward(student: Any, reference: Any, layer: Layer, args: Sequence[Any], tol: float,
                  alternatives: Mapping[str, np.ndarray] | None = None) -> tuple[Any, Any]:
    """Compare the forward outputs; return ``(student_cache, reference_cache)``.

    float32 outputs are compared with the reference's float32 output, forgiving the
    rounding that the same computation in float64 shows (:func:`~compare.rounding_floor`)."""
    forward = resolve(reference, layer.forward)
    expected, ref_cache = forward(*copy.deepcopy(list(args)))
    exact = exact_result(forward, args)
    with calling(forward_case(layer, args)):
        call = resolve(student, layer.forward).effects(*args)
    check_untouched(layer.forward, layer.args, args, call.args)
    out, cache = expect_structure(layer.forward, call.result, 2)
    expect_array(f"{layer.forward} output", out, expected, tol, alternatives=alternatives,
                 exact=None if exact is None else exact[0])
    return cache, ref_cache


def _backward_pair(student: Any, reference: Any, layer: Layer, args: Sequence[Any], rng: np.random.Generator,
                   dout: np.ndarray | None = None):
    expected_out, ref_cache = resolve(reference, layer.forward)(*copy.deepcopy(list(args)))
    if dout is None:
        dout = rng.standard_normal(np.shape(expected_out))
    dout = np.asarray(dout).astype(np.asarray(expected_out).dtype)
    expected = resolve(reference, layer.backward)(dout, ref_cache)
    expected = expected if isinstance(expected, tuple) else (expected,)
    with calling(forward_case(layer, args)):
        out, cache = expect_structure(layer.forward, resolve(student, layer.forward)(*args), 2)
    with calling(backward_case(layer, args)):
        call = resolve(student, layer.backward).effects(dout, cache)
    check_untouched(layer.backward, ("dout",), (dout,), call.args)
    got = call.result if len(layer.grads) > 1 else (call.result,)
    got = expect_structure(layer.backward, got, len(layer.grads))
    return dout, out, np.asarray(expected_out), got, expected


def student_numeric_gradient(student: Any, layer: Layer, args: Sequence[Any], name: str, dout: np.ndarray,
                             analytic: np.ndarray, rng: np.random.Generator) -> float:
    """Largest relative error between ``analytic`` and the numeric gradient of the
    student's forward with respect to argument ``name`` (full or directional); the
    points of each estimate are evaluated in one worker request."""
    index = layer.args.index(name)
    forward = resolve(student, layer.forward)

    def evaluate(points: list[np.ndarray]) -> Iterator[Any]:
        with calling(forward_case(layer, args) + f", with {name} moved slightly for a numeric gradient"):
            yield from forward.each(points, args, index, first=True)

    return numeric_gradient_error(evaluate, args[index], analytic, dout, rng)


def check_backward(student: Any, reference: Any, layer: Layer, args: Sequence[Any], rng: np.random.Generator,
                   tol: float, numeric_tol: float, dout: np.ndarray | None = None, ties: str = "") -> None:
    """Compare every gradient with the reference's; explain a mismatch with numeric gradients.

    ``dout`` replaces the random upstream gradient. ``ties`` describes how the layer
    breaks ties present in ``args``: numeric gradients are not defined at ties, so the
    message states that rule instead of comparing with them.
    """
    dout, out, expected_out, got, expected = _backward_pair(student, reference, layer, args, rng, dout)
    for name, actual, wanted in zip(layer.grads, got, expected):
        problem = array_problems(actual, np.asarray(wanted), tol)
        if not problem:
            continue
        forward_ok = array_problems(out, expected_out, tol) is None
        if ties:
            verdict = f"These inputs hold ties: {ties}" + ("" if forward_ok else "; your forward output is wrong too")
        elif student_numeric_gradient(student, layer, args, name, dout, actual, rng) > numeric_tol:
            verdict = "It does not match the numeric gradient of your own forward either"
        elif not forward_ok:
            verdict = "Your backward is consistent with your forward, but the forward is wrong: fix the forward first"
        else:
            verdict = "It matches the numeric gradient of your forward but not the reference (check its definition)"
        raise Mismatch.of(f"{layer.backward} d{name}", problem, verdict)


def check_numeric_gradients(student: Any, reference: Any, layer: Layer, args: Sequence[Any],
                            rng: np.random.Generator, numeric_tol: float, dout: np.ndarray | None = None) -> None:
    """Every gradient of the student's backward against numeric gradients of the student's forward."""
    dout, _, _, got, _ = _backward_pair(student, reference, layer, args, rng, dout)
    for name, actual in zip(layer.grads, got):
        error = student_numeric_gradient(student, layer, args, name, dout, actual, rng)
        if not error <= numeric_tol:
            raise Mismatch(f"{layer.backward} d{name} disagrees with the numeric gradient of your forward: "
                           f"max rel error {error:.3g} (tolerance {numeric_tol:.0e})")
