"""FullyConnectedNet and ThreeLayerConvNet: initial losses, gradients, training."""
import itertools

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from numnet.classifiers import FullyConnectedNet, ThreeLayerConvNet
from numnet.data import synthetic_images
from numnet.gradient_check import eval_numerical_gradient, rel_error
from numnet.solver import Solver
from numnet.vis_utils import visualize_grid


@pytest.fixture(scope="module", autouse=True)
def single_blas_thread():
    """Small matrix products run many times over: BLAS threads only add contention
    (15x slower on a busy 2-core machine)."""
    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="module")
def images():
    return synthetic_images(num_train=1000, num_val=200, num_test=0, seed=0)


def gradient_errors(model, X, y, h=1e-6, atol=0.0):
    """Relative error of every analytic gradient against centred differences.

    Gradients that agree within ``atol`` everywhere count as exact: a bias feeding
    a normalization layer has a vanishing gradient, whose relative error is noise.
    """
    _, grads = model.loss(X, y)
    errors = {}
    for name in sorted(grads):
        numeric = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], h=h)
        close = np.abs(numeric - grads[name]).max() < atol
        errors[name] = 0.0 if close else rel_error(numeric, grads[name])
    return errors


# ---- FullyConnectedNet -------------------------------------------------------------


@pytest.mark.parametrize(
    "normalization, keep_ratio", list(itertools.product([None, "batchnorm", "layernorm"], [1, 0.5]))
)
def test_fc_net_gradients(normalization, keep_ratio):
    rng = np.random.RandomState(231)
    X = rng.randn(3, 8)
    y = rng.randint(4, size=3)
    np.random.seed(231)
    model = FullyConnectedNet(
        [6, 7], input_dim=8, num_classes=4, normalization=normalization,
        dropout_keep_ratio=keep_ratio, reg=3.14, weight_scale=5e-1, dtype=np.float64, seed=123,
    )
    errors = gradient_errors(model, X, y, h=1e-5, atol=1e-8)
    expected_keys = {"W1", "W2", "W3", "b1", "b2", "b3"}
    if normalization:
        expected_keys |= {"gamma1", "gamma2", "beta1", "beta2"}
    assert set(errors) == expected_keys
    assert max(errors.values()) < 1e-4, errors


def test_fc_net_initial_loss_and_modes():
    np.random.seed(0)
    model = FullyConnectedNet([50, 40], input_dim=30, normalization="batchnorm", dropout_keep_ratio=0.5, seed=1)
    X = np.random.randn(64, 30)
    y = np.random.randint(10, size=64)
    loss, grads = model.loss(X, y)
    assert abs(loss - np.log(10)) < 0.05
    assert model.dropout_param["mode"] == "train" and model.bn_params[0]["mode"] == "train"
    assert "running_mean" in model.bn_params[0]
    scores = model.loss(X)
    assert scores.shape == (64, 10) and scores.dtype == np.float32
    assert model.dropout_param["mode"] == "test" and model.bn_params[1]["mode"] == "test"
    np.testing.assert_array_equal(model.loss(X), scores)  # test mode is deterministic
    assert all(grads[k].shape == v.shape and grads[k].dtype == np.float32 for k, v in model.params.items())


def test_fc_net_regularization_adds_half_l2():
    np.random.seed(0)
    model = FullyConnectedNet([8], input_dim=5, num_classes=3, dtype=np.float64)
    X, y = np.random.randn(4, 5), np.array([0, 1, 2, 0])
    plain, _ = model.loss(X, y)
    model.reg = 2.0
    penalised, grads = model.loss(X, y)
    expected = 0.5 * 2.0 * (np.sum(model.params["W1"] ** 2) + np.sum(model.params["W2"] ** 2))
    assert penalised - plain == pytest.approx(expected)
    with pytest.raises(ValueError, match="groupnorm"):
        FullyConnectedNet([8], normalization="groupnorm")


@pytest.mark.slow
@pytest.mark.parametrize("hidden_dims, weight_scale, learning_rate", [([100, 100], 1e-2, 1e-2), ([100] * 4, 5e-2, 5e-3)])
def test_fc_net_overfits_50_samples(images, hidden_dims, weight_scale, learning_rate):
    small = {"X_train": images["X_train"][:50], "y_train": images["y_train"][:50],
             "X_val": images["X_val"], "y_val": images["y_val"]}
    np.random.seed(231)
    model = FullyConnectedNet(hidden_dims, weight_scale=weight_scale, dtype=np.float64)
    solver = Solver(model, small, update_rule="sgd", optim_config={"learning_rate": learning_rate},
                    num_epochs=20, batch_size=25, print_every=100, verbose=False, seed=0)
    solver.train()
    assert max(solver.train_acc_history) == 1.0


# ---- ThreeLayerConvNet -------------------------------------------------------------


def test_cnn_initial_loss_with_and_without_reg():
    np.random.seed(231)
    model = ThreeLayerConvNet()
    X = np.random.randn(50, 3, 32, 32)
    y = np.random.randint(10, size=50)
    loss, _ = model.loss(X, y)
    assert abs(loss - np.log(10)) < 0.05
    model.reg = 0.5
    loss_reg, _ = model.loss(X, y)
    assert loss_reg > loss + 0.1


def test_cnn_gradients_reproduce_course_figures():
    """The course's small float64 net with seed 231: same errors as it prints."""
    np.random.seed(231)
    X = np.random.randn(2, 3, 16, 16)
    y = np.random.randint(10, size=2)
    model = ThreeLayerConvNet(num_filters=3, filter_size=3, input_dim=(3, 16, 16), hidden_dim=7, dtype=np.float64)
    errors = gradient_errors(model, X, y)
    printed = {"W1": 1.380104e-04, "W2": 1.822723e-02, "W3": 3.064049e-04,
               "b1": 3.477652e-05, "b2": 2.516375e-03, "b3": 7.945660e-10}
    for name, value in printed.items():
        assert errors[name] == pytest.approx(value, rel=1e-3), (name, errors[name])


@pytest.mark.parametrize("use_batchnorm, input_dim, reg", [(False, (3, 16, 16), 0.0), (True, (3, 8, 8), 0.1)])
def test_cnn_gradients_below_1e2(use_batchnorm, input_dim, reg):
    np.random.seed(0)
    X = np.random.randn(2, *input_dim)
    y = np.random.randint(10, size=2)
    # weights larger than the default keep the ReLU inputs away from their kink,
    # where centred differences are unreliable
    model = ThreeLayerConvNet(num_filters=3, filter_size=3, input_dim=input_dim, hidden_dim=7, weight_scale=0.1,
                              dtype=np.float64, use_batchnorm=use_batchnorm, reg=reg)
    errors = gradient_errors(model, X, y, atol=1e-8)
    assert ("gamma1" in errors) == use_batchnorm
    assert max(errors.values()) <= 1e-2, errors


def test_cnn_batchnorm_modes_and_dtype():
    np.random.seed(0)
    model = ThreeLayerConvNet(num_filters=4, filter_size=3, input_dim=(3, 8, 8), hidden_dim=5, use_batchnorm=True)
    X = np.random.randn(6, 3, 8, 8)
    loss, grads = model.loss(X, np.arange(6))
    assert model.bn_param["mode"] == "train" and model.bn_param["running_mean"].shape == (4,)
    scores = model.loss(X)
    assert model.bn_param["mode"] == "test" and scores.shape == (6, 10) and scores.dtype == np.float32
    assert set(grads) == {"W1", "b1", "W2", "b2", "W3", "b3", "gamma1", "beta1"}


@pytest.mark.slow
def test_cnn_overfits_100_samples(images):
    small = {"X_train": images["X_train"][:100], "y_train": images["y_train"][:100],
             "X_val": images["X_val"][:100], "y_val": images["y_val"][:100]}
    np.random.seed(231)
    model = ThreeLayerConvNet(weight_scale=1e-2)
    solver = Solver(model, small, num_epochs=15, batch_size=50, update_rule="adam",
                    optim_config={"learning_rate": 1e-3}, verbose=False, seed=231)
    solver.train()
    assert solver.train_acc_history[-1] >= 0.9


@pytest.mark.slow
def test_cnn_one_epoch_beats_40_percent(images):
    np.random.seed(231)
    model = ThreeLayerConvNet(weight_scale=1e-3, hidden_dim=100, reg=1e-3)
    solver = Solver(model, images, num_epochs=1, batch_size=50, update_rule="adam",
                    optim_config={"learning_rate": 1e-3}, verbose=False, seed=231)
    solver.train()
    assert solver.train_acc_history[-1] > 0.4


def test_visualize_grid_of_first_layer_filters():
    np.random.seed(0)
    filters = ThreeLayerConvNet(num_filters=5, filter_size=3).params["W1"]  # (5, 3, 3, 3)
    grid = visualize_grid(filters.transpose(0, 2, 3, 1), ubound=255.0, padding=1)
    assert grid.shape == (3 * 4 - 1, 3 * 4 - 1, 3)  # a 3 x 3 grid of 3 x 3 tiles
    first = grid[:3, :3]
    assert first.min() == 0 and first.max() == pytest.approx(255)
    np.testing.assert_array_equal(grid[3, :], 0)  # padding row
    np.testing.assert_array_equal(grid[8:, 8:], 0)  # unused tiles stay blank
    with pytest.raises(ValueError, match="N, H, W, C"):
        visualize_grid(filters[0])
