"""The notebooks' "overfit a small training set" result as a hidden check, decided on the trusted side.

The trusted side draws a small random training set with more input values than
examples (so it can be fitted by construction) and runs plain gradient descent on
full batches: at every step the student's network, in the worker, returns its loss
and gradients at the current parameters, and the trusted side takes the step.
The verdict comes from the final parameters alone: the trusted side puts them into
the reference's network and counts the training examples it classifies correctly,
so nothing the student's process reports about itself decides a point.

Each recipe has a wide margin: the reference already passes with a third of the
steps, for every student id (measured in ``tests/test_overfit_checks.py``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.grading.checks.models import expect_grads
from autograder.grading.compare import Mismatch, expect_structure


@dataclass(frozen=True)
class Recipe:
    """The training set, the descent and how well the network must fit."""

    examples: int
    input_shape: tuple[int, ...]
    classes: int
    learning_rate: float
    steps: int
    threshold: float = 0.9

    def training_set(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Standard normal inputs and uniformly random labels."""
        return rng.standard_normal((self.examples, *self.input_shape)), rng.integers(0, self.classes, self.examples)


def trained_accuracy(model: Any, evaluator: Any, recipe: Recipe, rng: np.random.Generator) -> float:
    """Descend the recipe's number of steps on the gradients ``model`` (the student's network)
    returns, from ``evaluator``'s initial parameters; return the share of the training set
    ``evaluator`` (the reference's network) classifies correctly with the final parameters."""
    X, y = recipe.training_set(rng)
    params = {name: np.array(value, dtype=np.float64) for name, value in evaluator.params.items()}
    for _ in range(recipe.steps):
        step = next(model.loss.each([params], (X, y), attribute="params"))  # params assigned, loss taken: one request
        _, grads = expect_structure("loss(X, y)", step, 2)
        expect_grads("loss(X, y) grads", grads, params, np.inf)  # the keys, shapes and dtypes; finite values
        params = {name: value - recipe.learning_rate * np.asarray(grads[name], dtype=np.float64)
                  for name, value in params.items()}
    evaluator.params = params
    return float(np.mean(np.argmax(evaluator.loss(X), axis=1) == y))


def expect_fits(model: Any, evaluator: Any, recipe: Recipe, rng: np.random.Generator) -> None:
    """Fail unless the trained network fits at least ``recipe.threshold`` of its training set."""
    accuracy = trained_accuracy(model, evaluator, recipe, rng)
    if not accuracy >= recipe.threshold:
        raise Mismatch(f"{recipe.steps} steps of gradient descent (learning rate {recipe.learning_rate:g}, full batch) "
                       f"on your gradients, from {recipe.examples} random examples, give parameters that classify "
                       f"{accuracy:.0%} of those examples correctly; at least {recipe.threshold:.0%} is expected")
