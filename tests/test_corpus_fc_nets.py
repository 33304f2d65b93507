"""The fc_nets hidden suite against a corpus of submissions.

Buggy submissions (mutations of the reference) must lose points on the tasks they
break and keep full marks everywhere else; alternative correct implementations and the
reference itself must get full marks; the untouched release must get nothing; grading
must be reproducible for one student and differ between students.
"""
from __future__ import annotations


import numpy as np
import pytest

from autograder.grading.seeds import derive_seed, hidden_rng
from autograder.manifest import load_manifest
from grading_support import (TEST_SECRET, Mutation, bug, grade, grade_mutation, lost_tasks, release_submission, spanning,
                             task_scores)

LAYERS, OPTIM, FC_NET = "numnet/layers.py", "numnet/optim.py", "numnet/classifiers/fc_net.py"


BUGS = [
    bug("affine dx not reshaped to x's shape", LAYERS, "dx = (dout @ w.T).reshape(x.shape)", "dx = dout @ w.T", "affine"),
    bug("affine dw transposed", LAYERS, "dw = x.reshape(x.shape[0], -1).T @ dout",
        "dw = dout.T @ x.reshape(x.shape[0], -1)", "affine", "fc_net"),
    bug("affine db summed over the wrong axis", LAYERS, "db = dout.sum(axis=0)", "db = dout.sum(axis=1)",
        "affine", "fc_net"),
    bug("relu backward masks by the upstream gradient", LAYERS, "np.where(x > 0, dout, 0)",
        "np.where(dout > 0, dout, 0)", "relu", "fc_net"),
    bug("relu backward passes gradient at zero", LAYERS, "np.where(x > 0, dout, 0)", "np.where(x >= 0, dout, 0)", "relu"),
    bug("relu backward passes gradient down to -1", LAYERS, "np.where(x > 0, dout, 0)", "np.where(x >= -1, dout, 0)",
        "relu", "fc_net"),
    bug("relu forward overwrites its input", LAYERS, "out = np.maximum(x, 0)", "out = np.maximum(x, 0, out=x)", "relu"),
    bug("softmax without the max shift", LAYERS, "shifted = x - x.max(axis=1, keepdims=True)", "shifted = x", "losses"),
    bug("softmax loss summed instead of averaged", LAYERS, "loss = float(-log_probs[rows, y].mean())",
        "loss = float(-log_probs[rows, y].sum())", "losses", "fc_net"),
    bug("softmax dx not divided by N", LAYERS, "    dx /= N\n", "", "losses", "fc_net"),
    bug("svm margin 0 instead of 1", LAYERS, "x - x[rows, y][:, None] + 1", "x - x[rows, y][:, None]", "losses"),
    bug("batchnorm unbiased variance", LAYERS, "var = x.var(axis=0)", "var = x.var(axis=0, ddof=1)",
        "batchnorm", "fc_net"),
    bug("batchnorm eps outside the square root", LAYERS, "inv_std = 1 / np.sqrt(var + eps)",
        "inv_std = 1 / (np.sqrt(var) + eps)", "batchnorm", "fc_net"),
    bug("batchnorm momentum weights swapped", LAYERS,
        "running_mean = momentum * running_mean + (1 - momentum) * mean",
        "running_mean = (1 - momentum) * running_mean + momentum * mean", "batchnorm", "fc_net"),
    bug("batchnorm running averages not written back", LAYERS,
        '    bn_param["running_mean"] = running_mean\n    bn_param["running_var"] = running_var\n', "",
        "batchnorm", "fc_net"),
    bug("batchnorm test mode uses batch statistics", LAYERS, "mean, var = running_mean, running_var",
        "mean, var = x.mean(axis=0), x.var(axis=0)", "batchnorm", "fc_net"),
    bug("batchnorm backward without the mean term", LAYERS, "dx = dx_centered - dx_centered.sum(axis=0) / N",
        "dx = dx_centered", "batchnorm"),
    bug("layernorm over the batch axis", LAYERS,
        "mean = x.mean(axis=1, keepdims=True)\n    inv_std = 1 / np.sqrt(x.var(axis=1, keepdims=True) + eps)",
        "mean = x.mean(axis=0, keepdims=True)\n    inv_std = 1 / np.sqrt(x.var(axis=0, keepdims=True) + eps)",
        "layernorm", "fc_net"),
    bug("dropout kept units not scaled by 1/p", LAYERS, "mask = ((rng.random_sample(x.shape) < p) / p)",
        "mask = (rng.random_sample(x.shape) < p)", "dropout"),
    bug("dropout mask keeps with the drop probability", LAYERS, "mask = ((rng.random_sample(x.shape) < p) / p)",
        "mask = ((rng.random_sample(x.shape) > p) / p)", "dropout"),
    bug("dropout backward ignores the mask", LAYERS, "dx = dout.copy() if mask is None else dout * mask",
        "dx = dout.copy()", "dropout", "fc_net"),
    bug("momentum velocity not stored", OPTIM, '    next_w = w + v\n    config["velocity"] = v\n',
        "    next_w = w + v\n", "update_rules"),
    bug("nesterov as plain momentum", OPTIM, "next_w = w - mu * v_prev + (1 + mu) * v", "next_w = w + v",
        "update_rules"),
    bug("rmsprop without the square root", OPTIM, 'dw / (np.sqrt(cache) + config["epsilon"])',
        'dw / (cache + config["epsilon"])', "update_rules"),
    bug("adam t incremented after the bias correction", OPTIM,
        "m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)",
        'm_hat = m / (1 - beta1 ** config["t"])\n    v_hat = v / (1 - beta2 ** config["t"])', "update_rules"),
    bug("fc_net regularization without the 0.5", FC_NET,
        'loss += l2_penalty(self.reg, (p[f"W{i}"] for i in range(1, L + 1)))',
        'loss += self.reg * sum(np.sum(p[f"W{i}"] ** 2) for i in range(1, L + 1))', "fc_net"),
    bug("fc_net regularizes the biases", FC_NET,
        'grads[f"W{i}"] = grads[f"W{i}"] + self.reg * p[f"W{i}"]',
        'grads[f"W{i}"] = grads[f"W{i}"] + self.reg * p[f"W{i}"]\n'
        '            grads[f"b{i}"] = grads[f"b{i}"] + self.reg * p[f"b{i}"]', "fc_net"),
    bug("fc_net forgets dropout", FC_NET, "h, drop_cache = dropout_forward(h, self.dropout_param)",
        "drop_cache = None", "fc_net"),
]

ALTERNATIVES = [
    Mutation("affine with einsum", LAYERS, "out = x.reshape(x.shape[0], D) @ w + b",
             'out = np.einsum("nd,dm->nm", x.reshape(x.shape[0], D), w) + b'),
    Mutation("relu with np.where", LAYERS, "out = np.maximum(x, 0)", "out = np.where(x > 0, x, 0)"),
    Mutation("batchnorm backward centred column by column", LAYERS,
             "dx = dx_centered - dx_centered.sum(axis=0) / N",
             "dx = np.stack([column - column.mean() for column in dx_centered.T], axis=1)"),
    spanning("layernorm cache as a dict", LAYERS, "cache = (x_hat, inv_std, gamma)", "x_hat, inv_std, gamma = cache",
             ("cache = (x_hat, inv_std, gamma)", 'cache = {"x_hat": x_hat, "inv_std": inv_std, "gamma": gamma}'),
             ("x_hat, inv_std, gamma = cache", 'x_hat, inv_std, gamma = (cache[k] for k in ("x_hat", "inv_std", "gamma"))')),
    Mutation("dropout with a Generator", LAYERS,
             "rng = np.random.RandomState(seed) if seed is not None else np.random\n"
             "        mask = ((rng.random_sample(x.shape) < p) / p)",
             "rng = np.random.default_rng(seed)\n        mask = ((rng.random(x.shape) < p) / p)"),
    Mutation("affine with np.dot on a reshaped copy", LAYERS, "out = x.reshape(x.shape[0], D) @ w + b",
             "out = np.dot(np.reshape(x, (x.shape[0], -1)), w) + b"),
    spanning("softmax from probabilities after the max shift", LAYERS, "shifted = x - x.max(axis=1, keepdims=True)",
             "dx = np.exp(log_probs)",
             ("log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))",
              "exp_shifted = np.exp(shifted)\n    sums = np.sum(exp_shifted, axis=1, keepdims=True)"),
             ("loss = float(-log_probs[rows, y].mean())", "loss = float(np.sum(np.log(sums[:, 0]) - shifted[rows, y]) / N)"),
             ("dx = np.exp(log_probs)", "dx = exp_shifted / sums")),
    spanning("svm with loops over examples and classes", LAYERS, "margins = np.maximum(0, x - x[rows, y][:, None] + 1)",
             "dx = active / N",
             ("margins = np.maximum(0, x - x[rows, y][:, None] + 1)\n    margins[rows, y] = 0\n"
              "    loss = float(margins.sum() / N)\n    active = (margins > 0).astype(x.dtype)\n"
              "    active[rows, y] = -active.sum(axis=1)\n    dx = active / N",
              "loss = 0.0\n    dx = np.zeros_like(x)\n    for i in range(N):\n        for j in range(C):\n"
              "            margin = x[i, j] - x[i, y[i]] + 1\n            if j != y[i] and margin > 0:\n"
              "                loss += margin\n                dx[i, j] += 1\n                dx[i, y[i]] -= 1\n"
              "    loss = float(loss / N)\n    dx /= N")),
    spanning("batchnorm statistics as sums over N, normalized by dividing by the std", LAYERS,
             "mean = x.mean(axis=0)\n        var = x.var(axis=0)", "x_hat = x_centered * inv_std",
             ("mean = x.mean(axis=0)\n        var = x.var(axis=0)",
              "mean = np.sum(x, axis=0) / x.shape[0]\n        var = np.sum((x - mean) ** 2, axis=0) / x.shape[0]"),
             ("inv_std = 1 / np.sqrt(var + eps)\n    x_centered = x - mean\n    x_hat = x_centered * inv_std",
              "std = np.sqrt(var + eps)\n    x_centered = x - mean\n    x_hat = x_centered / std\n    inv_std = 1 / std")),
    spanning("layernorm through the transpose, as batch statistics of x.T", LAYERS,
             "mean = x.mean(axis=1, keepdims=True)", "x_hat = (x - mean) * inv_std",
             ("mean = x.mean(axis=1, keepdims=True)\n    inv_std = 1 / np.sqrt(x.var(axis=1, keepdims=True) + eps)\n"
              "    x_hat = (x - mean) * inv_std",
              "xt = x.T\n    mu = np.mean(xt, axis=0)\n    var = np.mean((xt - mu) ** 2, axis=0)\n"
              "    std = np.sqrt(var + eps)\n    x_hat = ((xt - mu) / std).T\n    inv_std = (1 / std)[:, None]")),
    spanning("layernorm computed in float64 and cast back to the input's dtype", LAYERS,
             "mean = x.mean(axis=1, keepdims=True)", "out = gamma * x_hat + beta\n    cache = (x_hat, inv_std, gamma)",
             ("mean = x.mean(axis=1, keepdims=True)\n    inv_std = 1 / np.sqrt(x.var(axis=1, keepdims=True) + eps)\n"
              "    x_hat = (x - mean) * inv_std\n    out = gamma * x_hat + beta",
              "x64 = x.astype(np.float64)\n    mean = x64.mean(axis=1, keepdims=True)\n"
              "    inv_std = 1 / np.sqrt(x64.var(axis=1, keepdims=True) + eps)\n    x_hat = (x64 - mean) * inv_std\n"
              "    out = (gamma * x_hat + beta).astype(x.dtype)")),
]


@pytest.mark.slow
@pytest.mark.parametrize("mutation", BUGS, ids=[m.name for m in BUGS])
def test_buggy_submission_loses_points_exactly_where_it_is_wrong(tmp_path, mutation):
    assert lost_tasks(grade_mutation("fc_nets", tmp_path, mutation)) == mutation.lost


@pytest.mark.slow
@pytest.mark.parametrize("mutation", ALTERNATIVES, ids=[m.name for m in ALTERNATIVES])
def test_alternative_correct_submission_gets_full_marks(tmp_path, mutation):
    assert lost_tasks(grade_mutation("fc_nets", tmp_path, mutation)) == set()


@pytest.mark.slow
def test_reference_gets_full_marks_and_a_regrade_is_identical(tmp_path):
    first = grade_mutation("fc_nets", tmp_path / "first", None, student="alice")
    again = grade_mutation("fc_nets", tmp_path / "again", None, student="alice")
    assert lost_tasks(first) == set() and set(task_scores(first)) == set(load_manifest("fc_nets").tasks)

    def stable(graded):
        data = graded.results.to_json()
        data.pop("execution_time")
        data["extra_data"].pop("build", None)
        return data

    assert stable(first) == stable(again)


@pytest.mark.slow
def test_untouched_release_gets_nothing(tmp_path):
    manifest = load_manifest("fc_nets")
    graded = grade("fc_nets", release_submission("fc_nets", tmp_path), "alice")
    assert graded.results.score == 0
    assert {name: task["status"] for name, task in graded.results.extra_data["tasks"].items()} == {
        name: "not_implemented" for name in manifest.tasks
    }


def test_students_get_different_hidden_inputs():
    test = "test_normalization.py::test_batchnorm_backward[batchnorm_backward]"
    seeds = {student: derive_seed(TEST_SECRET, "fc_nets", student, test) for student in ("alice", "bob")}
    assert seeds["alice"] != seeds["bob"]
    assert seeds["alice"] == derive_seed(TEST_SECRET, "fc_nets", "alice", test)
    draws = [hidden_rng(TEST_SECRET, "fc_nets", student, test).standard_normal(8) for student in ("alice", "bob")]
    assert not np.allclose(*draws)
