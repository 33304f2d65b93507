"""Checks of an update rule ``rule(w, dw, config) -> (next_w, config)`` over consecutive steps, state included."""
from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograder.grading.checks.layers import check_untouched, resolve
from autograder.grading.compare import expect_array, expect_scalar, expect_structure

EXACT = 0.0  # integer state, such as a step count, must match exactly
#: ``slips(w, dw, before, after)``: what the usual mistakes would make of ``next_w`` (a description
#: -> array dict for the diagnosis), from the reference's config before and after the step.
Slips = Callable[[np.ndarray, np.ndarray, dict[str, Any], dict[str, Any]], dict[str, np.ndarray]]


def check_update_steps(student: Any, reference: Any, path: str, w: np.ndarray, gradients: Sequence[np.ndarray],
                       config: dict[str, Any] | None, state: Sequence[str], tol: float,
                       slips: Slips | None = None) -> None:
    """Run the update rule at ``path`` (e.g. ``"optim.adam"``) of the student and of the reference
    side by side, one step per gradient, each from the reference's ``next_w``; compare ``next_w``
    and the ``state`` entries of the config after every step (integers, such as a step count, exactly)."""
    rule = path.rpartition(".")[2]
    mine, theirs = copy.deepcopy(config), copy.deepcopy(config)
    for step, dw in enumerate(gradients, start=1):
        before = copy.deepcopy(theirs) or {}
        expected_w, theirs = resolve(reference, path)(w.copy(), dw.copy(), theirs)
        call = resolve(student, path).effects(w, dw, mine)
        check_untouched(rule, ("w", "dw"), (w, dw), call.args[:2])
        next_w, mine = expect_structure(rule, call.result, 2)
        hints = slips(w, dw, before, theirs) if slips else None
        expect_array(f"{rule} next_w after step {step}", next_w, expected_w, tol, alternatives=hints)
        for key in state:
            name = f"{rule} config['{key}'] after step {step}"
            value = mine.get(key) if isinstance(mine, dict) else None
            if isinstance(theirs[key], (int, np.integer)):
                expect_scalar(name, value, theirs[key], EXACT)
            else:
                expect_array(name, value, theirs[key], tol)
        w = expected_w
