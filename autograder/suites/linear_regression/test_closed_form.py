"""Hidden checks of closed-form linear regression."""
import numpy as np
import pytest

from autograder.grading.checks import check_fitted, fit_pair
from autograder.suites.linear_regression.fitting import regression_data


@pytest.mark.task("closed_form")
@pytest.mark.rule("linear.fit", "linear.shapes")
@pytest.mark.weight(2)
@pytest.mark.parametrize("outputs", [None, 2])
def test_fit_and_predict(student, reference, rng, tol, outputs):
    """LinearRegression finds the reference's weights and intercept and predicts like it"""
    X, y = regression_data(rng, int(rng.integers(8, 20)), int(rng.integers(1, 5)), outputs)
    model, expected = fit_pair(student.linear.LinearRegression, reference.linear.LinearRegression, {}, X, y)
    check_fitted("LinearRegression", model, expected, rng.standard_normal((5, X.shape[1])), tol["forward"])


def duplicated_column(rng):
    """``(X, y, X_new)`` where one feature appears twice, in the training and in the new data."""
    X, y = regression_data(rng, int(rng.integers(8, 15)), 3)
    column = [int(rng.integers(3))]
    X_new = rng.standard_normal((5, 3))
    return np.hstack([X, X[:, column]]), y, np.hstack([X_new, X_new[:, column]])


def more_features_than_examples(rng):
    """``(X, y, X)``: predictions are unique only on the examples the model was fitted on."""
    X, y = regression_data(rng, 4, int(rng.integers(6, 9)))
    return X, y, X


RANK_DEFICIENT = {"duplicated_column": duplicated_column, "more_features_than_examples": more_features_than_examples}


@pytest.mark.task("closed_form")
@pytest.mark.rule("linear.rank_deficient")
@pytest.mark.parametrize("problem", RANK_DEFICIENT)
def test_rank_deficient(student, reference, rng, tol, problem):
    """LinearRegression copes with rank-deficient X and predicts like the reference"""
    X, y, X_new = RANK_DEFICIENT[problem](rng)
    model, expected = fit_pair(student.linear.LinearRegression, reference.linear.LinearRegression, {}, X, y)
    check_fitted("LinearRegression", model, expected, np.vstack([X, X_new]), tol["numeric"], weights=False)
