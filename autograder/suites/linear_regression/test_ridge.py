"""Hidden checks of ridge regression."""
import pytest

from autograder.grading.compare import expect_array
from autograder.grading.checks import check_fitted, fit_pair
from autograder.suites.linear_regression.fitting import regression_data


@pytest.mark.task("ridge")
@pytest.mark.rule("ridge.fit", "linear.shapes")
@pytest.mark.weight(2)
@pytest.mark.parametrize("outputs", [None, 2])
def test_fit_and_predict(student, reference, rng, tol, outputs):
    """RidgeRegression finds the reference's weights and (unpenalised) intercept"""
    X, y = regression_data(rng, int(rng.integers(8, 20)), int(rng.integers(2, 5)), outputs, offset=20.0)
    settings = {"alpha": float(rng.uniform(2.0, 6.0))}
    model, expected = fit_pair(student.linear.RidgeRegression, reference.linear.RidgeRegression, settings, X, y)
    check_fitted("RidgeRegression", model, expected, rng.standard_normal((5, X.shape[1])), tol["forward"])


@pytest.mark.task("ridge")
@pytest.mark.rule("ridge.fit")
def test_small_alpha(student, reference, rng, tol):
    """RidgeRegression with a small alpha matches the reference"""
    X, y = regression_data(rng, int(rng.integers(8, 20)), int(rng.integers(2, 5)))
    settings = {"alpha": float(rng.uniform(0.05, 0.5))}
    model, expected = fit_pair(student.linear.RidgeRegression, reference.linear.RidgeRegression, settings, X, y)
    check_fitted("RidgeRegression", model, expected, rng.standard_normal((5, X.shape[1])), tol["forward"])


@pytest.mark.task("ridge")
@pytest.mark.rule("ridge.intercept")
@pytest.mark.requires("test_fit_and_predict")
def test_shifted_targets_shift_predictions(student, rng, tol):
    """adding a constant to y adds the same constant to the predictions, whatever alpha is"""
    X, y = regression_data(rng, int(rng.integers(8, 20)), int(rng.integers(2, 5)))
    alpha, shift = float(rng.uniform(5.0, 50.0)), float(rng.uniform(10.0, 100.0))
    X_new = rng.standard_normal((5, X.shape[1]))
    base = student.linear.RidgeRegression(alpha=alpha)
    base.fit(X, y)
    shifted = student.linear.RidgeRegression(alpha=alpha)
    shifted.fit(X, y + shift)
    expect_array("predictions after shifting y", shifted.predict(X_new), base.predict(X_new) + shift, tol["numeric"],
                 check_dtype=False)
