"""Hidden checks of the gradient-descent regressor."""
import numpy as np
import pytest

from autograder.grading.checks import Mismatch, check_fitted, expect_attribute, fit_pair
from autograder.suites.linear_regression.fitting import regression_data


def standardized_data(rng, m=None, n=None, outputs=None):
    """A well-conditioned problem: centred, unit-scale features."""
    X, y = regression_data(rng, m or int(rng.integers(7, 14)), n or int(rng.integers(2, 4)), outputs, offset=1.0)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def gd_pair(student, reference, settings, *data):
    """The student's and the reference's regressor fitted with ``settings`` on ``data``."""
    return fit_pair(student.linear.GradientDescentRegressor, reference.linear.GradientDescentRegressor, settings, *data)


@pytest.mark.task("gradient_descent")
@pytest.mark.rule("gd.step")
@pytest.mark.weight(2)
@pytest.mark.parametrize("alpha", [0.0, 1.5])
def test_one_full_batch_step(student, reference, rng, tol, alpha):
    """one epoch of full-batch descent from zero weights takes exactly the reference's step"""
    X, y = regression_data(rng, int(rng.integers(6, 12)), int(rng.integers(2, 4)))
    settings = {"learning_rate": float(rng.uniform(0.01, 0.05)), "epochs": 1, "batch_size": None, "shuffle": False,
                "alpha": alpha}
    model, expected = gd_pair(student, reference, settings, X, y)
    check_fitted("GradientDescentRegressor", model, expected, X, tol["forward"])


@pytest.mark.task("gradient_descent")
@pytest.mark.rule("gd.step", "gd.history")
@pytest.mark.weight(2)
@pytest.mark.parametrize("batch_size", [None, 1, 3])
def test_histories_without_shuffling(student, reference, rng, tol, batch_size):
    """full-batch, stochastic and mini-batch descent (no shuffling) follow the reference epoch by epoch"""
    X, y = standardized_data(rng, m=int(rng.integers(7, 12)))
    X_val, y_val = standardized_data(rng, m=5, n=X.shape[1])
    settings = {"learning_rate": 0.05, "epochs": 4, "batch_size": batch_size, "shuffle": False, "alpha": 0.3}
    model, expected = gd_pair(student, reference, settings, X, y, X_val, y_val)
    expect_attribute("loss_history", model, expected, tol["gradient"])
    expect_attribute("val_loss_history", model, expected, tol["gradient"])
    check_fitted("GradientDescentRegressor", model, expected, X_val, tol["gradient"])


@pytest.mark.task("gradient_descent")
@pytest.mark.rule("gd.step", "linear.shapes")
def test_matrix_targets(student, reference, rng, tol):
    """mini-batch descent handles y of shape (m, k) like the reference"""
    X, y = standardized_data(rng, outputs=2)
    settings = {"learning_rate": 0.1, "epochs": 3, "batch_size": 4, "shuffle": False}
    model, expected = gd_pair(student, reference, settings, X, y)
    check_fitted("GradientDescentRegressor", model, expected, X, tol["gradient"])


@pytest.mark.task("gradient_descent")
@pytest.mark.rule("gd.shuffle")
@pytest.mark.requires("test_histories_without_shuffling")
def test_shuffling_changes_the_order(student, rng):
    """with shuffle=True stochastic descent visits the examples in a shuffled order"""
    X, y = standardized_data(rng, m=10)
    settings = {"learning_rate": 0.1, "epochs": 2, "batch_size": 1}
    fixed = student.linear.GradientDescentRegressor(**settings, shuffle=False)
    fixed.fit(X, y)
    shuffled = student.linear.GradientDescentRegressor(**settings, shuffle=True, seed=int(rng.integers(2**31)))
    shuffled.fit(X, y)
    difference = np.max(np.abs(np.asarray(shuffled.get("coef_")) - np.asarray(fixed.get("coef_"))))
    if not difference > 1e-9:
        raise Mismatch("shuffle=True gave exactly the weights of shuffle=False: the examples are not shuffled")


@pytest.mark.task("gradient_descent")
@pytest.mark.rule("gd.objective", "gd.history")
def test_converges_to_closed_form(student, reference, rng):
    """on a well-conditioned problem full-batch descent converges to the ridge closed-form solution"""
    X, y = standardized_data(rng, m=int(rng.integers(12, 20)))
    alpha = float(rng.uniform(0.0, 2.0))
    model = student.linear.GradientDescentRegressor(learning_rate=0.5, epochs=300, alpha=alpha)
    model.fit(X, y)
    check_fitted("GradientDescentRegressor", model, reference.linear.RidgeRegression(alpha=alpha).fit(X, y), X, 1e-3)
    losses = np.asarray(model.get("loss_history"), dtype=float)
    if losses.shape != (300,) or not losses[-1] < losses[0]:
        raise Mismatch(f"loss_history should hold 300 decreasing-overall values, got shape {losses.shape}")
