"""The linear_regression hidden suite against a corpus of submissions.

Each buggy mutation of the reference must cost points on exactly the tasks it names;
alternative correct implementations and the reference must score full marks; the
untouched release must score nothing.
"""
from __future__ import annotations


import pytest

from autograder.manifest import load_manifest
from grading_support import Mutation, bug, corpus_params, grade_mutation, lost_tasks, untouched_release_task_states

ASSIGNMENT = "linear_regression"
SCALER, METRICS, LINEAR = "numnet/preprocessing.py", "numnet/metrics.py", "numnet/linear.py"
RIDGE_SOLVE = (
    "        A = np.vstack([X - x_mean, np.sqrt(self.alpha) * np.eye(n)])\n"
    "        B = np.vstack([Y - y_mean, np.zeros((n, Y.shape[1]))])\n"
    "        W = np.linalg.lstsq(A, B, rcond=None)[0]\n"
)
EPOCH = (
    "            for start in range(0, m, batch):\n"
    "                rows = order[start : start + batch]\n"
    "                W, b = self._step(X[rows], Y[rows], W, b, m)\n"
    "            self.loss_history.append(self._objective(X, Y, W, b, m))\n"
)


BUGS = [
    bug("standardizer sample std", SCALER, "std = X.std(axis=0)", "std = X.std(axis=0, ddof=1)", "standardizer"),
    bug("standardizer statistics of the transformed data", SCALER, "Z = (X - self.mean_) / self.scale_",
        "Z = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)", "standardizer"),
    bug("transform without the fitted check", SCALER, "X = self._check(X)\n        Z = (X - self.mean_) / self.scale_",
        "Z = (np.asarray(X, dtype=float) - self.mean_) / self.scale_", "standardizer"),
    bug("MAE without the absolute value", METRICS, "np.mean(np.abs(y_true - y_pred))", "np.mean(y_true - y_pred)",
        "metrics"),
    bug("RMSE without the square root", METRICS, "return float(np.sqrt(mean_squared_error(y_true, y_pred)))",
        "return float(mean_squared_error(y_true, y_pred))", "metrics"),
    bug("MSE of the absolute errors", METRICS, "np.mean((y_true - y_pred) ** 2)", "np.mean(np.abs(y_true - y_pred))",
        "metrics"),
    bug("R2 ratio inverted", METRICS, "score = 1 - ss_res / ss_tot", "score = 1 - ss_tot / ss_res", "metrics"),
    bug("closed form without the intercept column", LINEAR,
        "A = np.hstack([X, np.ones((X.shape[0], 1))])\n        W = np.linalg.lstsq(A, Y, rcond=None)[0]",
        "W = np.vstack([np.linalg.lstsq(X, Y, rcond=None)[0], np.zeros((1, Y.shape[1]))])", "closed_form"),
    bug("ridge penalises the intercept", LINEAR,
        "        x_mean, y_mean = X.mean(axis=0), Y.mean(axis=0)\n        n = X.shape[1]\n" + RIDGE_SOLVE
        + "        b = y_mean - x_mean @ W\n",
        "        A = np.hstack([X, np.ones((X.shape[0], 1))])\n"
        "        full = np.linalg.solve(A.T @ A + self.alpha * np.eye(A.shape[1]), A.T @ Y)\n"
        "        W, b = full[:-1], full[-1]\n", "ridge"),
    bug("ridge with alpha squared", LINEAR, "np.sqrt(self.alpha) * np.eye(n)", "self.alpha * np.eye(n)", "ridge"),
    bug("gradient not divided by the batch size", LINEAR, "dW = X.T @ residual / X.shape[0]", "dW = X.T @ residual",
        "gradient_descent"),
    bug("never shuffling", LINEAR, "order = rng.permutation(m) if self.shuffle else np.arange(m)",
        "order = np.arange(m)", "gradient_descent"),
    bug("mini-batches sliced by batch number", LINEAR, "rows = order[start : start + batch]",
        "rows = order[start * batch : (start + 1) * batch]", "gradient_descent"),
    bug("loss recorded before the epoch's updates", LINEAR, EPOCH,
        "            self.loss_history.append(self._objective(X, Y, W, b, m))\n"
        + EPOCH.replace("            self.loss_history.append(self._objective(X, Y, W, b, m))\n", ""),
        "gradient_descent"),
]

ALTERNATIVES = [
    Mutation("standardizer keeping the variance", SCALER,
             "std = X.std(axis=0)\n        self.scale_ = np.where(std > 0, std, 1.0)",
             "self.var_ = X.var(axis=0)\n        self.scale_ = np.sqrt(np.where(self.var_ > 0, self.var_, 1.0))"),
    Mutation("closed form with the pseudo-inverse", LINEAR, "W = np.linalg.lstsq(A, Y, rcond=None)[0]",
             "W = np.linalg.pinv(A) @ Y"),
    Mutation("ridge from centred normal equations", LINEAR, RIDGE_SOLVE,
             "        Xc = X - x_mean\n"
             "        W = np.linalg.solve(Xc.T @ Xc + self.alpha * np.eye(n), Xc.T @ (Y - y_mean))\n"),
    Mutation("R2 total sum of squares from the variance", METRICS,
             "ss_tot = float(np.sum((y_true - y_true.mean()) ** 2))", "ss_tot = float(y_true.var() * y_true.size)"),
]


@pytest.mark.slow
@pytest.mark.parametrize("mutation", corpus_params(BUGS, ALTERNATIVES))
def test_points_are_lost_exactly_where_the_submission_is_wrong(tmp_path, mutation):
    assert lost_tasks(grade_mutation(ASSIGNMENT, tmp_path, mutation)) == (mutation.lost if mutation else set())


@pytest.mark.slow
def test_untouched_release_scores_nothing(tmp_path):
    expected = {name: (0, "not_implemented") for name in load_manifest(ASSIGNMENT).tasks}
    assert untouched_release_task_states(ASSIGNMENT, tmp_path) == expected
