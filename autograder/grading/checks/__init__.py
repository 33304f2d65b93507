"""The toolbox of hidden checks (trusted side): everything a suite compares with, in one place.

A suite's own modules only generate inputs (and describe the usual mistakes); every
comparison comes from here, with the task's tolerances (the ``tol`` fixture) and the
numeric-gradient limits of :mod:`~autograder.grading.checks.gradients`:

- layers, a forward/backward pair (:mod:`.layers`): :class:`Layer`, :func:`check_forward`,
  :func:`check_backward`, :func:`check_numeric_gradients`, :func:`check_untouched`;
- numeric gradients (:mod:`.gradients`): :func:`numeric_gradient_error`, the only helper
  (:func:`one_at_a_time` for a function that is not the student's);
- losses (:mod:`.losses`): :func:`check_loss`, :func:`check_loss_numeric`;
- update rules (:mod:`.updates`): :func:`check_update_steps`;
- models (:mod:`.models`): :func:`check_model_loss`, :func:`model_numeric_gradient_error`,
  :func:`expect_grads`, and fitted estimators: :func:`fit_pair`, :func:`check_fitted`,
  :func:`expect_attribute`;
- expected keys and shapes (:mod:`.shapes`): :func:`expect_keys`, :func:`expect_shapes`;
- training, a network fitting a small training set (:mod:`.training`): :class:`Recipe`,
  :func:`expect_fits`, :func:`trained_accuracy`;
- cascades (:mod:`.cascade`): :func:`built_on`, :func:`cascade_hook`;
- plain comparisons (:mod:`autograder.grading.compare`): :func:`expect_array`,
  :func:`expect_scalar`, :func:`expect_structure`, :class:`Mismatch`.

``docs/authoring.md`` shows them at work.
"""
from autograder.grading.checks.cascade import built_on, cascade_hook
from autograder.grading.checks.gradients import DIRECTIONS, FULL_CHECK_LIMIT, numeric_gradient_error, one_at_a_time
from autograder.grading.checks.layers import (
    Layer,
    calling,
    check_backward,
    check_forward,
    check_numeric_gradients,
    check_untouched,
    exact_result,
    resolve,
)
from autograder.grading.checks.losses import check_loss, check_loss_numeric
from autograder.grading.checks.models import (
    check_fitted,
    check_model_loss,
    expect_attribute,
    expect_grads,
    fit_pair,
    model_numeric_gradient_error,
)
from autograder.grading.checks.shapes import expect_keys, expect_shapes
from autograder.grading.checks.training import Recipe, expect_fits, trained_accuracy
from autograder.grading.checks.updates import check_update_steps
from autograder.grading.compare import Mismatch, expect_array, expect_scalar, expect_structure

__all__ = [
    "DIRECTIONS", "FULL_CHECK_LIMIT", "Layer", "Mismatch", "Recipe", "built_on", "calling", "cascade_hook", "check_backward", "check_fitted", "check_forward",
    "check_loss", "check_loss_numeric", "check_model_loss", "check_numeric_gradients", "check_untouched",
    "check_update_steps", "exact_result", "expect_array", "expect_attribute", "expect_fits", "expect_grads", "expect_keys",
    "expect_scalar", "expect_shapes", "expect_structure", "fit_pair", "model_numeric_gradient_error",
    "numeric_gradient_error", "one_at_a_time", "resolve", "trained_accuracy",
]
