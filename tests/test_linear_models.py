"""Standardizer, closed-form and gradient-descent regressors, and the error metrics."""
import numpy as np
import pytest
from numnet._validate import NotFittedError

from numnet import metrics
from numnet.data import load_diabetes_regression, train_val_test_split
from numnet.linear import GradientDescentRegressor, LinearRegression, RidgeRegression
from numnet.preprocessing import Standardizer


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(60, 4)) * [1.0, 3.0, 0.5, 2.0] + [0.0, 5.0, -1.0, 2.0]
    y = X @ np.array([1.5, -0.5, 2.0, 0.25]) + 3.0 + rng.normal(scale=0.1, size=60)
    return X, y


def with_ones(X):
    return np.hstack([X, np.ones((X.shape[0], 1))])


def test_standardizer_uses_training_statistics_only(problem):
    X, _ = problem
    train, other = X[:40], X[40:]
    scaler = Standardizer().fit(train)
    Z = scaler.transform(train)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-12)
    np.testing.assert_allclose(scaler.transform(other), (other - train.mean(0)) / train.std(0))
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(other)), other)
    np.testing.assert_allclose(Standardizer().fit_transform(train), Z)


def test_standardizer_constant_column_and_errors():
    X = np.array([[1.0, 4.0], [3.0, 4.0], [5.0, 4.0]])
    Z = Standardizer().fit_transform(X)
    np.testing.assert_array_equal(Z[:, 1], 0)
    assert np.isfinite(Z).all()
    with pytest.raises(NotFittedError, match="fit"):
        Standardizer().transform(X)
    with pytest.raises(ValueError, match="2 features.*3"):
        Standardizer().fit(np.ones((3, 3))).transform(X)


def test_linear_regression_matches_lstsq(problem):
    X, y = problem
    model = LinearRegression().fit(X, y)
    expected = np.linalg.lstsq(with_ones(X), y, rcond=None)[0]
    np.testing.assert_allclose(model.coef_, expected[:-1], atol=1e-8)
    assert model.intercept_ == pytest.approx(expected[-1], abs=1e-8)
    assert model.predict(X).shape == (60,)


def test_linear_regression_rank_deficient_and_column_targets(problem):
    X, y = problem
    X_dup = np.hstack([X, X[:, :1], np.zeros((60, 1))])
    model = LinearRegression().fit(X_dup, y[:, None])
    expected = np.linalg.lstsq(with_ones(X_dup), y[:, None], rcond=None)[0]
    np.testing.assert_allclose(model.coef_, expected[:-1], atol=1e-8)
    np.testing.assert_allclose(model.intercept_, expected[-1], atol=1e-8)
    assert model.predict(X_dup).shape == (60, 1)
    np.testing.assert_allclose(model.predict(X_dup)[:, 0], LinearRegression().fit(X, y).predict(X), atol=1e-8)


@pytest.mark.parametrize("alpha", [0.0, 0.5, 10.0])
def test_ridge_matches_closed_form_with_free_intercept(problem, alpha):
    X, y = problem
    A = with_ones(X)
    penalty = alpha * np.diag([1.0, 1.0, 1.0, 1.0, 0.0])
    expected = np.linalg.solve(A.T @ A + penalty, A.T @ y)
    model = RidgeRegression(alpha=alpha).fit(X, y)
    np.testing.assert_allclose(model.coef_, expected[:-1], atol=1e-8)
    assert model.intercept_ == pytest.approx(expected[-1], abs=1e-8)


def test_ridge_shrinks_weights_and_validates_alpha(problem):
    X, y = problem
    small = RidgeRegression(alpha=0.01).fit(X, y).coef_
    large = RidgeRegression(alpha=1000.0).fit(X, y).coef_
    assert np.linalg.norm(large) < np.linalg.norm(small)
    with pytest.raises(ValueError, match="-1"):
        RidgeRegression(alpha=-1)


@pytest.mark.parametrize("batch_size, epochs, learning_rate", [(None, 2000, 0.3), (8, 400, 0.05), (1, 150, 0.01)])
def test_gradient_descent_reaches_closed_form(problem, batch_size, epochs, learning_rate):
    X, y = problem
    Z = Standardizer().fit_transform(X)
    gd = GradientDescentRegressor(learning_rate=learning_rate, epochs=epochs, batch_size=batch_size, seed=0)
    gd.fit(Z, y)
    exact = LinearRegression().fit(Z, y)
    tol = 1e-6 if batch_size is None else 2e-2
    np.testing.assert_allclose(gd.coef_, exact.coef_, atol=tol)
    assert gd.intercept_ == pytest.approx(exact.intercept_, abs=tol)
    assert len(gd.loss_history) == epochs
    assert gd.loss_history[-1] < gd.loss_history[0]


def test_gradient_descent_with_penalty_reaches_ridge(problem):
    X, y = problem
    Z = Standardizer().fit_transform(X)
    gd = GradientDescentRegressor(learning_rate=0.3, epochs=2000, alpha=5.0).fit(Z, y)
    ridge = RidgeRegression(alpha=5.0).fit(Z, y)
    np.testing.assert_allclose(gd.coef_, ridge.coef_, atol=1e-6)


def test_gradient_descent_records_losses_by_hand():
    X = np.array([[1.0], [2.0]])
    y = np.array([1.0, 3.0])
    gd = GradientDescentRegressor(learning_rate=0.5, epochs=1, shuffle=False)
    gd.fit(X, y, X_val=np.array([[0.0]]), y_val=np.array([2.0]))
    # from w = b = 0: residual [-1, -3], dw = (-1 - 6) / 2 = -3.5, db = -2
    assert gd.coef_[0] == pytest.approx(1.75)
    assert gd.intercept_ == pytest.approx(1.0)
    # new residuals [1.75, 1.5]: J = (1.75^2 + 1.5^2) / 4; validation residual -1: 1 / 2
    assert gd.loss_history == [pytest.approx((1.75**2 + 1.5**2) / 4)]
    assert gd.val_loss_history == [pytest.approx(0.5)]


def test_regressor_argument_errors():
    with pytest.raises(ValueError, match="batch_size.*0"):
        GradientDescentRegressor(batch_size=0)
    with pytest.raises(ValueError, match="both"):
        GradientDescentRegressor().fit(np.ones((3, 1)), np.ones(3), X_val=np.ones((2, 1)))
    with pytest.raises(NotFittedError):
        LinearRegression().predict(np.ones((2, 2)))


def test_metrics_by_hand():
    y_true = np.array([1.0, 2.0, 3.0, 4.0])
    y_pred = np.array([2.0, 2.0, 1.0, 4.0])
    assert metrics.mean_absolute_error(y_true, y_pred) == pytest.approx(0.75)
    assert metrics.mean_squared_error(y_true, y_pred) == pytest.approx(1.25)
    assert metrics.root_mean_squared_error(y_true, y_pred) == pytest.approx(np.sqrt(1.25))
    assert metrics.r2_score(y_true, y_pred) == pytest.approx(1 - 5.0 / 5.0)
    assert metrics.r2_score(y_true, y_true) == 1.0
    assert metrics.accuracy(np.array([0, 1, 2, 2]), np.array([0, 1, 1, 2])) == 0.75
    with pytest.raises(ValueError, match=r"\(4,\).*\(4, 1\)"):
        metrics.mean_squared_error(y_true, y_pred[:, None])


def test_diabetes_split_and_fit():
    X, y = load_diabetes_regression()
    data = train_val_test_split(X, y, test_size=0.33, val_size=0.2, seed=42)
    sizes = [data[k].shape[0] for k in ("X_train", "X_val", "X_test")]
    assert sum(sizes) == 442 and sizes[2] == 146
    model = LinearRegression().fit(data["X_train"], data["y_train"])
    assert metrics.r2_score(data["y_test"], model.predict(data["X_test"])) > 0.3
