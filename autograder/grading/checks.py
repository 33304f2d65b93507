"""Reusable checks for hidden suites (trusted side).

A :class:`Layer` names a forward/backward pair by its path in ``numnet``; the
checks call the student's pair through the worker and the reference pair here,
on the same hidden inputs, and compare:

- :func:`check_forward`: outputs, shapes, dtypes, and that inputs are left untouched;
- :func:`check_backward`: gradients against the reference's, with a diagnosis that
  tells "backward wrong" from "backward consistent with a wrong forward";
- :func:`check_numeric_gradients`: gradients against numeric gradients of the
  student's own forward (full for small inputs, directional for large ones).
"""
from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from autograder.grading.client import StudentError
from autograder.grading.compare import (
    Mismatch,
    array_problems,
    expect_array,
    expect_scalar,
    expect_structure,
    relative_errors,
)
from numnet.gradient_check import directional_gradient_check, eval_numerical_gradient_array

FULL_CHECK_LIMIT = 48  # inputs up to this many elements get an element-by-element numeric gradient
DIRECTIONS = 4
STEPS = (1e-5, 1e-6, 1e-7)  # directional difference steps, each smaller one only while the larger disagree
RETRY_ABOVE = 1e-7  # below every numeric tolerance: a direction this close needs no second step


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


@contextlib.contextmanager
def built_on(blocks: Mapping[str, Callable[[], None]]) -> Iterator[None]:
    """Run a check of a model made of the student's own layers. When it fails, the layers'
    own quick checks (``blocks``: task -> check) run too, and the failure names the tasks
    whose layers are wrong: a mistake in a layer fails the model as well, and that task is
    the one to fix first."""
    try:
        yield
    except (Mismatch, StudentError) as failure:
        broken = [task for task, check in blocks.items() if _fails(check)]
        if not broken:
            raise
        note = (f"the model runs on your own layers, and those of task(s) {', '.join(repr(t) for t in broken)} "
                "fail their own checks: fix them first")
        if isinstance(failure, Mismatch):
            raise Mismatch(f"{failure}; {note}") from None
        failure.where = f"{failure.where}; {note}" if failure.where else note
        failure.args = (failure.summary(),)
        raise


def cascade_hook(network_task: str, layer_checks: Callable[..., Mapping[str, Callable[[], None]]]) -> Callable:
    """A ``pytest_runtest_call`` hook for a suite's ``conftest.py``: every test of ``network_task``
    runs inside :func:`built_on` the checks ``layer_checks(student, reference, rng, tol)`` returns."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(item: pytest.Item) -> Any:
        if item.get_closest_marker("task").args[0] != network_task:
            return (yield)
        fixture = item._request.getfixturevalue  # also the fixtures the test itself does not ask for
        rng = np.random.default_rng(list(item.nodeid.encode()))  # the same on every regrade
        with built_on(layer_checks(fixture("student"), fixture("reference"), rng, fixture("tol"))):
            return (yield)

    return pytest_runtest_call


def _fails(check: Callable[[], None]) -> bool:
    try:
        check()
    except (Mismatch, StudentError):
        return True
    return False


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


def numeric_gradient_error(f: Callable[[np.ndarray], Any], x: np.ndarray, analytic: Any, dout: Any,
                           rng: np.random.Generator, full_limit: int = FULL_CHECK_LIMIT) -> float:
    """Largest relative error between ``analytic`` and the numeric gradient of ``sum(f(x) * dout)``:
    element by element up to ``full_limit`` elements, along random directions beyond.

    A difference quotient whose step straddles a kink (a ReLU or a maximum changing
    sides) is wrong by up to the jump in slope; when a direction disagrees, the same
    directions are measured again with a ten times smaller step, which rarely straddles
    the same kink, and the better estimate of each direction counts.
    """
    x = np.array(x, dtype=np.float64)
    if not isinstance(analytic, np.ndarray) or analytic.shape != x.shape:
        return float("inf")
    dout = np.asarray(dout, dtype=np.float64)
    if x.size <= full_limit:
        return float(relative_errors(analytic, eval_numerical_gradient_array(f, x, dout)).max())
    seed = int(rng.integers(2**31))
    errors = None
    for step in STEPS:
        check = directional_gradient_check(f, x, analytic, dout, num_directions=DIRECTIONS, h=step, seed=seed)
        found = relative_errors(check.analytic, check.numeric)
        errors = found if errors is None else np.minimum(errors, found)
        if float(errors.max()) <= RETRY_ABOVE:
            break
    return float(errors.max())


def student_numeric_gradient(student: Any, layer: Layer, args: Sequence[Any], name: str, dout: np.ndarray,
                             analytic: np.ndarray, rng: np.random.Generator) -> float:
    """Largest relative error between ``analytic`` and the numeric gradient of the
    student's forward with respect to argument ``name`` (full or directional)."""
    index = layer.args.index(name)
    forward = resolve(student, layer.forward)

    def f(value: np.ndarray) -> np.ndarray:
        trial = list(args)
        trial[index] = np.array(value, dtype=np.float64)
        with calling(forward_case(layer, args) + f", with {name} moved slightly for a numeric gradient"):
            out = forward(*trial)
        return np.asarray(out[0] if isinstance(out, (tuple, list)) else out, dtype=np.float64)

    return numeric_gradient_error(f, args[index], analytic, dout, rng)


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
        raise Mismatch(f"{layer.backward} d{name}: {problem}. {verdict}")


def check_numeric_gradients(student: Any, reference: Any, layer: Layer, args: Sequence[Any],
                            rng: np.random.Generator, numeric_tol: float, dout: np.ndarray | None = None) -> None:
    """Every gradient of the student's backward against numeric gradients of the student's forward."""
    dout, _, _, got, _ = _backward_pair(student, reference, layer, args, rng, dout)
    for name, actual in zip(layer.grads, got):
        error = student_numeric_gradient(student, layer, args, name, dout, actual, rng)
        if not error <= numeric_tol:
            raise Mismatch(f"{layer.backward} d{name} disagrees with the numeric gradient of your forward: "
                           f"max rel error {error:.3g} (tolerance {numeric_tol:.0e})")


def random_args(rng: np.random.Generator, shapes: Mapping[str, tuple[int, ...]], dtype: Any = np.float64,
                scale: float = 1.0, offset: float = 0.0) -> list[np.ndarray]:
    """Standard normal arrays of the given shapes, in order."""
    return [(scale * rng.standard_normal(shape) + offset).astype(dtype) for shape in shapes.values()]



def check_model_loss(name: str, model: Any, expected_model: Any, X: np.ndarray, y: np.ndarray, tol: float) -> None:
    """Compare ``model.loss(X, y)`` (a student's model) with ``expected_model.loss(X, y)``:
    the loss and the gradient of every parameter."""
    expected_loss, expected_grads = expected_model.loss(X, y)
    loss, grads = expect_structure(f"{name}.loss(X, y)", model.loss(X, y), 2)
    expect_scalar(f"{name} loss", loss, float(expected_loss), tol)
    if not isinstance(grads, dict) or set(grads) != set(expected_grads):
        keys = sorted(grads) if isinstance(grads, dict) else "no dict"
        raise Mismatch(f"{name} grads must have the keys {sorted(expected_grads)}, got {keys}")
    for key in sorted(expected_grads):
        expect_array(f"{name} grads['{key}']", grads[key], expected_grads[key], tol)


def model_numeric_gradient_error(model: Any, params: Mapping[str, np.ndarray], X: np.ndarray, y: np.ndarray,
                                 rng: np.random.Generator, directions: int = 2) -> float:
    """Largest relative error between the student model's analytic gradients at ``params``
    and central differences of its own loss along random unit directions in parameter space.

    Costs ``4 * directions + 1`` loss evaluations (more when a step straddles a kink);
    leaves the model's params at ``params``.
    """
    base = {key: np.asarray(value, dtype=np.float64) for key, value in params.items()}
    model.set("params", base)
    _, grads = expect_structure("loss(X, y)", model.loss(X, y), 2)
    if not isinstance(grads, dict) or set(grads) != set(base):
        raise Mismatch(f"grads must have the keys {sorted(base)}")
    errors = []
    for _ in range(directions):
        direction = {key: rng.standard_normal(value.shape) for key, value in base.items()}
        norm = np.sqrt(sum(float(np.sum(v**2)) for v in direction.values()))
        direction = {key: value / norm for key, value in direction.items()}
        analytic = sum(float(np.sum(np.asarray(grads[key], dtype=np.float64) * direction[key])) for key in base)
        # A step that straddles a ReLU or max-pool kink spoils one difference quotient;
        # a smaller step rarely straddles the same kink, so the best estimate counts.
        best = float("inf")
        for step in STEPS:
            if best <= RETRY_ABOVE:
                break
            losses = []
            for sign in (1, -1):
                model.set("params", {key: base[key] + sign * step * direction[key] for key in base})
                losses.append(float(expect_structure("loss(X, y)", model.loss(X, y), 2)[0]))
            numeric = (losses[0] - losses[1]) / (2 * step)
            best = min(best, abs(numeric - analytic) / max(abs(numeric) + abs(analytic), 1e-8))
        errors.append(best)
    model.set("params", base)
    return max(errors)
