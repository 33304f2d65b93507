"""Hidden checks of the error metrics."""
import pytest

from autograder.grading.compare import expect_scalar
from autograder.grading.checks import resolve
from autograder.suites.linear_regression.fitting import targets_and_predictions

METRICS = ["mean_absolute_error", "mean_squared_error", "root_mean_squared_error", "r2_score"]


@pytest.mark.task("metrics")
@pytest.mark.rule("metrics.values")
@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("outputs", [None, 3])
def test_metric(student, reference, rng, tol, metric, outputs):
    """the metric matches the reference on vector and matrix targets"""
    y_true, y_pred = targets_and_predictions(rng, outputs)
    expected = resolve(reference, f"metrics.{metric}")(y_true, y_pred)
    expect_scalar(metric, resolve(student, f"metrics.{metric}")(y_true, y_pred), expected, tol["forward"])


@pytest.mark.task("metrics")
@pytest.mark.rule("metrics.values")
@pytest.mark.requires("test_metric")
@pytest.mark.parametrize("metric", METRICS)
def test_metric_perfect_prediction(student, reference, rng, tol, metric):
    """the metric gives the reference's value for a perfect prediction"""
    y = rng.standard_normal(int(rng.integers(4, 12)))
    expected = resolve(reference, f"metrics.{metric}")(y, y.copy())
    expect_scalar(metric, resolve(student, f"metrics.{metric}")(y, y.copy()), expected, tol["forward"])
