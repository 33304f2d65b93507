"""Solver: argument checking, training bookkeeping, checkpoints, accuracy."""
import json

import numpy as np
import pytest

from numnet.classifiers import FullyConnectedNet
from numnet.solver import Solver


@pytest.fixture
def blobs():
    """Three well separated Gaussian clusters in 6 dimensions."""
    rng = np.random.RandomState(0)
    centres = 4 * rng.randn(3, 6)
    y = rng.randint(3, size=240)
    X = centres[y] + rng.randn(240, 6)
    return {"X_train": X[:200], "y_train": y[:200], "X_val": X[200:], "y_val": y[200:]}


def small_model(seed=0):
    np.random.seed(seed)
    return FullyConnectedNet([16], input_dim=6, num_classes=3, weight_scale=0.1, dtype=np.float64)


def test_unknown_argument_is_named(blobs):
    with pytest.raises(ValueError, match="learning_rat"):
        Solver(small_model(), blobs, learning_rat=0.1)


def test_unknown_update_rule_is_named(blobs):
    with pytest.raises(ValueError, match="adagrad"):
        Solver(small_model(), blobs, update_rule="adagrad")


def test_missing_data_key_is_named(blobs):
    del blobs["y_val"]
    with pytest.raises(ValueError, match="y_val"):
        Solver(small_model(), blobs)


def test_training_histories_and_best_params(blobs):
    model = small_model()
    solver = Solver(model, blobs, update_rule="sgd_momentum", optim_config={"learning_rate": 0.05},
                    lr_decay=0.9, batch_size=20, num_epochs=3, verbose=False, seed=1)
    solver.train()
    assert len(solver.loss_history) == 3 * 10
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 4  # start + every epoch
    assert solver.best_val_acc == max(solver.val_acc_history) > 0.9
    assert solver.epoch == 3
    assert model.params is solver.best_params
    assert solver.optim_configs["W1"]["learning_rate"] == pytest.approx(0.05 * 0.9**3)
    assert solver.check_accuracy(blobs["X_val"], blobs["y_val"]) == pytest.approx(solver.best_val_acc)


def test_callable_update_rule_and_seeded_runs_repeat(blobs):
    calls = []

    def halve_step(w, dw, config):
        calls.append(w.shape)
        return w - 0.5 * dw, config

    runs = []
    for _ in range(2):
        solver = Solver(small_model(), blobs, update_rule=halve_step, num_epochs=1, batch_size=50,
                        verbose=False, seed=3)
        solver.train()
        runs.append(solver.loss_history)
    assert runs[0] == runs[1]
    assert len(calls) == 2 * 4 * 4  # two runs, four steps, four parameter arrays


def test_check_accuracy_by_hand():
    class FixedScores:
        params = {}

        def loss(self, X, y=None):
            return np.stack([X[:, 0], 1 - X[:, 0]], axis=1)

    X = np.array([[1.0], [0.0], [1.0], [0.0], [1.0]])
    data = {"X_train": X, "y_train": np.zeros(5, int), "X_val": X, "y_val": np.zeros(5, int)}
    solver = Solver(FixedScores(), data, verbose=False)
    # predictions [0, 1, 0, 1, 0] against the labels below
    assert solver.check_accuracy(X, np.array([0, 1, 1, 1, 1]), batch_size=2) == pytest.approx(0.6)


def test_checkpoints_load_without_pickle(blobs, tmp_path):
    model = small_model()
    prefix = tmp_path / "run"
    solver = Solver(model, blobs, update_rule="adam", optim_config={"learning_rate": 1e-2}, num_epochs=2,
                    batch_size=100, checkpoint_name=str(prefix), verbose=False, seed=0)
    solver.train()
    with np.load(f"{prefix}_epoch_2.npz", allow_pickle=False) as saved:
        assert set(saved.files) == set(model.params)
    metadata = json.loads((tmp_path / "run_epoch_2.json").read_text())
    assert metadata["epoch"] == 2 and metadata["update_rule"] == "adam"
    assert metadata["optim_config"] == {"learning_rate": 1e-2}
    assert metadata["loss_history"] == solver.loss_history
    # the restored parameters are those of the first epoch with the best validation accuracy
    best_epoch = int(np.argmax(solver.val_acc_history))
    with np.load(f"{prefix}_epoch_{best_epoch}.npz", allow_pickle=False) as best:
        for name, value in model.params.items():
            np.testing.assert_array_equal(best[name], value)


def test_verbose_prints_course_style_lines(blobs, capsys):
    Solver(small_model(), blobs, num_epochs=1, batch_size=100, print_every=1, seed=0).train()
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("(Iteration 1 / 2) loss: ") for line in lines)
    assert any(line.startswith("(Epoch 1 / 1) train acc: ") and "val_acc" in line for line in lines)
