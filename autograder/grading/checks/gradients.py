"""The one numeric-gradient helper of the checks: central differences of the student's own code.

Two ways to measure, with one set of limits:

- element by element (:func:`elementwise_gradient`), for an input of at most
  :data:`FULL_CHECK_LIMIT` elements;
- along random unit directions (:func:`directional_errors`), for larger inputs and for
  models, whose parameters are a dict of arrays: a direction spans all of them.

A difference quotient whose step straddles a kink (a ReLU or a maximum changing
sides) is wrong by up to the jump in slope. A direction that disagrees is measured
again with the next, ten times smaller step of :data:`STEPS`, which rarely straddles
the same kink, and the better estimate of each direction counts.

Each difference quotient carries rounding noise of about ``eps * |f| / step``, whatever
the gradient. A component far below the gradient's own scale (an element near zero, a
direction almost orthogonal to the gradient) therefore measures that noise, not the
gradient: errors are relative to at least :data:`SCALE_FLOOR` of the gradient's scale
(its largest numeric element; the norm of the analytic gradient, the largest directional
derivative any unit direction can have). A wrong gradient still shows, in every
component that is not itself negligible.

The function is given as an :data:`Evaluate`: it takes all the points of one
measurement at once and returns the outputs in order, so that the student's code is
evaluated at all of them in one worker request
(:meth:`~autograder.grading.client.RemoteFunction.each`); :func:`one_at_a_time` turns
a plain function (the reference's, a local one) into one. The outputs are used two at
a time as they arrive.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from autograder.grading.compare import relative_errors

FULL_CHECK_LIMIT = 48  # inputs up to this many elements get an element-by-element numeric gradient
DIRECTIONS = 4  # random directions for one array argument
MODEL_DIRECTIONS = 2  # random directions in a model's parameter space (each costs a few loss evaluations)
STEPS = (1e-5, 1e-6, 1e-7)  # difference steps, each smaller one only for the directions the larger leaves in doubt
RETRY_ABOVE = 1e-7  # below every numeric tolerance: a direction this close needs no smaller step
SCALE_FLOOR = 1e-3  # errors are relative to at least this fraction of the gradient's scale
SEED_RANGE = 2**31  # the directions come from their own generator, seeded from the check's

#: A point in the space being differentiated: named arrays (one argument, or a model's params).
Point = Mapping[str, np.ndarray]
#: The function's outputs at each of a list of points, in order.
Evaluate = Callable[[list[Any]], Iterable[Any]]


def one_at_a_time(f: Callable[[Any], Any]) -> Evaluate:
    """An :data:`Evaluate` that calls ``f`` once per point."""
    return lambda points: map(f, points)


def _pairs(evaluate: Evaluate, points: list[Any]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The outputs at ``points`` (``+step``, ``-step`` alternately), two at a time, as float64."""
    outputs = iter(evaluate(points))
    for _ in range(len(points) // 2):
        plus = np.asarray(next(outputs), dtype=np.float64)
        yield plus, np.asarray(next(outputs), dtype=np.float64)


def elementwise_gradient(evaluate: Evaluate, x: np.ndarray, dout: Any, step: float = STEPS[0]) -> np.ndarray:
    """The numeric gradient of ``sum(f(x) * dout)`` at ``x``, one element at a time
    (``2 * x.size`` points, each a fresh float64 array, evaluated in one batch)."""
    x = np.array(x, dtype=np.float64)
    dout = np.asarray(dout, dtype=np.float64)
    points = []
    for index in np.ndindex(x.shape):
        for sign in (1, -1):
            point = x.copy()
            point[index] = x[index] + sign * step
            points.append(point)
    gradient = np.zeros(x.shape)
    for index, (plus, minus) in zip(np.ndindex(x.shape), _pairs(evaluate, points)):
        gradient[index] = np.sum((plus - minus) * dout) / (2 * step)
    return gradient


def _unit_directions(sampler: np.random.Generator, at: Point, count: int) -> list[dict[str, np.ndarray]]:
    directions = []
    for _ in range(count):
        direction = {key: sampler.standard_normal(np.shape(value)) for key, value in at.items()}
        norm = np.sqrt(sum(float(np.sum(part**2)) for part in direction.values()))
        directions.append({key: part / norm for key, part in direction.items()})
    return directions


def _norm(values: np.ndarray) -> float:
    """The Euclidean norm, scaled so that huge finite values can't overflow it to infinity."""
    largest = float(np.max(np.abs(values), initial=0.0))
    if not 0.0 < largest < np.inf:
        return largest
    return largest * float(np.sqrt(np.sum((values / largest) ** 2)))


def directional_errors(evaluate: Evaluate, at: Point, gradient: Point, dout: Any,
                       rng: np.random.Generator, directions: int = DIRECTIONS) -> np.ndarray:
    """Per random unit direction ``d``, the relative error between the analytic directional
    derivative ``<gradient, d>`` and the central difference of ``sum(f(point) * dout)`` along ``d``
    (``evaluate`` gets the points as dicts shaped like ``at``).

    Costs ``2 * directions`` evaluations in one batch per step (more steps when one straddles a kink)."""
    base = {key: np.asarray(value, dtype=np.float64) for key, value in at.items()}
    weights = np.asarray(dout, dtype=np.float64)
    units = _unit_directions(np.random.default_rng(int(rng.integers(SEED_RANGE))), base, directions)
    gradient = {key: np.asarray(gradient[key], dtype=np.float64) for key in base}
    analytic = np.array([sum(float(np.sum(gradient[key] * unit[key])) for key in base) for unit in units])
    floor = SCALE_FLOOR * _norm(np.concatenate([part.ravel() for part in gradient.values()]))
    errors = np.full(directions, np.inf)
    pending = np.arange(directions)
    for step in STEPS:
        points = [{key: base[key] + sign * step * units[index][key] for key in base}
                  for index in pending for sign in (1, -1)]
        numeric = np.array([np.sum((plus - minus) * weights) / (2 * step) for plus, minus in _pairs(evaluate, points)])
        errors[pending] = np.minimum(errors[pending], relative_errors(analytic[pending], numeric, floor))
        pending = pending[errors[pending] > RETRY_ABOVE]
        if not pending.size:
            break
    return errors


def numeric_gradient_error(evaluate: Evaluate, x: np.ndarray, analytic: Any, dout: Any,
                           rng: np.random.Generator, full_limit: int = FULL_CHECK_LIMIT) -> float:
    """Largest relative error between ``analytic`` and the numeric gradient of ``sum(f(x) * dout)``:
    element by element up to ``full_limit`` elements, along :data:`DIRECTIONS` random directions beyond."""
    x = np.array(x, dtype=np.float64)
    if not isinstance(analytic, np.ndarray) or analytic.shape != x.shape:
        return float("inf")
    if x.size <= full_limit:
        numeric = elementwise_gradient(evaluate, x, dout)
        return float(relative_errors(analytic, numeric, relative_floor=SCALE_FLOOR).max())
    return float(directional_errors(lambda points: evaluate([point["x"] for point in points]), {"x": x},
                                    {"x": analytic}, dout, rng).max())
