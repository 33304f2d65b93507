"""Standardizer, error metrics and the three regressors, checked against scikit-learn."""
import numpy as np
import pytest
import sklearn.linear_model
import sklearn.metrics
from numpy.testing import assert_allclose
from sklearn.preprocessing import StandardScaler

from numnet.linear import GradientDescentRegressor, LinearRegression, RidgeRegression
from numnet.metrics import mean_absolute_error, mean_squared_error, r2_score, root_mean_squared_error
from numnet.preprocessing import NotFittedError, Standardizer


@pytest.fixture
def problem():
    """A noisy linear problem with standardized-scale features: X (80, 5), y (80,)."""
    rng = np.random.default_rng(1234)
    X = rng.standard_normal((80, 5)) * [1.0, 2.0, 0.5, 3.0, 1.0] + [0.0, 1.0, -2.0, 5.0, 0.5]
    y = X @ np.array([1.5, -2.0, 0.3, 0.7, 4.0]) + 3.0 + 0.1 * rng.standard_normal(80)
    return X, y


@pytest.mark.task("standardizer")
@pytest.mark.rule("standardizer.fit", "standardizer.inverse")
def test_standardizer_matches_scikit_learn_on_unseen_data(problem):
    X, _ = problem
    train, test = X[:60], X[60:]
    ours = Standardizer().fit(train)
    theirs = StandardScaler().fit(train)
    assert_allclose(ours.transform(train), theirs.transform(train), atol=1e-12)
    assert_allclose(ours.transform(test), theirs.transform(test), atol=1e-12)
    assert_allclose(ours.inverse_transform(ours.transform(test)), test, atol=1e-12)


@pytest.mark.task("standardizer")
@pytest.mark.rule("standardizer.fit")
def test_standardizer_leaves_a_constant_column_finite(problem):
    X = np.hstack([problem[0], np.full((80, 1), 7.0)])
    Z = Standardizer().fit(X).transform(X)
    assert np.all(np.isfinite(Z))
    assert_allclose(Z[:, -1], 0.0)


@pytest.mark.task("metrics")
@pytest.mark.rule("metrics.values")
@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (mean_absolute_error, sklearn.metrics.mean_absolute_error),
        (mean_squared_error, sklearn.metrics.mean_squared_error),
        (root_mean_squared_error, lambda a, b: np.sqrt(sklearn.metrics.mean_squared_error(a, b))),
        (r2_score, sklearn.metrics.r2_score),
    ],
)
def test_metric_matches_scikit_learn(ours, theirs):
    rng = np.random.default_rng(0)
    y_true = rng.normal(10, 5, size=40)
    y_pred = y_true + rng.normal(0, 2, size=40)
    assert ours(y_true, y_pred) == pytest.approx(theirs(y_true, y_pred), rel=1e-12)


@pytest.mark.task("closed_form")
@pytest.mark.rule("linear.fit")
def test_linear_regression_matches_scikit_learn(problem):
    X, y = problem
    ours = LinearRegression().fit(X, y)
    theirs = sklearn.linear_model.LinearRegression().fit(X, y)
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-8)
    assert ours.intercept_ == pytest.approx(theirs.intercept_, rel=1e-8)
    assert_allclose(ours.predict(X[:5]), theirs.predict(X[:5]), rtol=1e-8)


@pytest.mark.task("closed_form")
@pytest.mark.rule("linear.rank_deficient")
def test_linear_regression_copes_with_a_duplicated_column(problem):
    X, y = problem
    duplicated = np.hstack([X, X[:, :1]])
    assert_allclose(LinearRegression().fit(duplicated, y).predict(duplicated), LinearRegression().fit(X, y).predict(X), rtol=1e-8)


@pytest.mark.task("ridge")
@pytest.mark.rule("ridge.fit")
@pytest.mark.parametrize("alpha", [0.0, 0.5, 20.0])
def test_ridge_matches_scikit_learn(problem, alpha):
    X, y = problem
    ours = RidgeRegression(alpha=alpha).fit(X, y)
    theirs = sklearn.linear_model.Ridge(alpha=alpha).fit(X, y)
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-7, atol=1e-10)
    assert ours.intercept_ == pytest.approx(theirs.intercept_, rel=1e-7)


@pytest.mark.task("ridge")
@pytest.mark.rule("ridge.intercept")
def test_ridge_does_not_penalise_the_intercept(problem):
    X, y = problem
    shifted = RidgeRegression(alpha=50.0).fit(X, y + 100.0)
    assert_allclose(shifted.coef_, RidgeRegression(alpha=50.0).fit(X, y).coef_, rtol=1e-9)


@pytest.mark.task("gradient_descent")
@pytest.mark.rule("gd.step")
@pytest.mark.parametrize(("batch_size", "learning_rate"), [(None, 0.1), (16, 0.02), (1, 0.002)])
def test_gradient_descent_approaches_the_closed_form(problem, batch_size, learning_rate):
    X, y = problem
    X = Standardizer().fit(X).transform(X)
    model = GradientDescentRegressor(learning_rate=learning_rate, epochs=300, batch_size=batch_size, seed=0)
    model.fit(X, y)
    assert len(model.loss_history) == 300
    assert model.loss_history[-1] < 1e-2 * model.loss_history[0]
    assert_allclose(model.coef_, LinearRegression().fit(X, y).coef_, rtol=0.05, atol=0.05)


@pytest.mark.task("gradient_descent")
@pytest.mark.rule("gd.history")
def test_full_batch_loss_decreases_and_validation_is_tracked(problem):
    X, y = problem
    X = Standardizer().fit(X).transform(X)
    model = GradientDescentRegressor(learning_rate=0.1, epochs=50).fit(X[:60], y[:60], X[60:], y[60:])
    assert np.all(np.diff(model.loss_history) <= 1e-12)
    assert len(model.val_loss_history) == 50
    assert model.val_loss_history[-1] < model.val_loss_history[0]


@pytest.mark.task("gradient_descent")
@pytest.mark.rule("gd.objective")
def test_ridge_penalty_leads_gradient_descent_to_the_ridge_solution(problem):
    X, y = problem
    X = Standardizer().fit(X).transform(X)
    model = GradientDescentRegressor(learning_rate=0.2, epochs=3000, alpha=30.0).fit(X, y)
    assert_allclose(model.coef_, RidgeRegression(alpha=30.0).fit(X, y).coef_, rtol=1e-4)


@pytest.mark.task("standardizer")
@pytest.mark.rule("standardizer.unfitted")
def test_transform_before_fit_raises(problem):
    X = problem[0]
    assert Standardizer().fit(X).transform(X).shape == X.shape  # the methods work before their misuse is judged
    with pytest.raises(NotFittedError):
        Standardizer().transform(X)


@pytest.mark.task("closed_form")
@pytest.mark.rule("linear.shapes")
@pytest.mark.parametrize("model", [LinearRegression(), RidgeRegression(alpha=2.0)], ids=["linear", "ridge"])
def test_models_fit_matrix_targets_column_by_column(problem, model):
    X, y = problem
    Y = np.column_stack([y, 2 * y - 1])
    both = model.fit(X, Y)
    coef, intercept, predictions = both.coef_, both.intercept_, both.predict(X[:4])
    assert coef.shape == (5, 2) and np.shape(intercept) == (2,) and predictions.shape == (4, 2)
    for k in range(2):
        single = model.fit(X, Y[:, k])
        assert_allclose(coef[:, k], single.coef_, rtol=1e-8)
        assert_allclose(predictions[:, k], single.predict(X[:4]), rtol=1e-8)


@pytest.mark.task("gradient_descent")
@pytest.mark.rule("gd.step")
def test_one_full_batch_epoch_from_zero_weights(problem):
    X, y = problem
    model = GradientDescentRegressor(learning_rate=0.01, epochs=1, batch_size=None, shuffle=False).fit(X, y)
    # from w = 0, b = 0 the residual is -y, so the step is learning_rate * (X.T @ y / m, mean(y))
    assert_allclose(model.coef_, 0.01 * X.T @ y / len(y), rtol=1e-10)
    assert model.intercept_ == pytest.approx(0.01 * y.mean(), rel=1e-10)


@pytest.mark.task("gradient_descent")
@pytest.mark.rule("gd.shuffle")
def test_shuffling_changes_the_visiting_order(problem):
    X, y = problem
    X = Standardizer().fit(X).transform(X)
    settings = {"learning_rate": 0.01, "epochs": 2, "batch_size": 1}
    in_order = GradientDescentRegressor(**settings, shuffle=False).fit(X, y)
    shuffled = GradientDescentRegressor(**settings, shuffle=True, seed=3).fit(X, y)
    again = GradientDescentRegressor(**settings, shuffle=True, seed=3).fit(X, y)
    assert not np.allclose(shuffled.coef_, in_order.coef_, rtol=1e-9, atol=0)
    assert_allclose(again.coef_, shuffled.coef_, rtol=1e-12)
