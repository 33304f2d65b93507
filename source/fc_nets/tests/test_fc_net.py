"""FullyConnectedNet: initial loss, gradients in every configuration, overfitting a few examples."""
import numpy as np
import pytest

from numnet import optim
from numnet.classifiers.fc_net import FullyConnectedNet
from numnet.gradient_check import eval_numerical_gradient, rel_error


def _small_problem(seed=231, N=2, D=15, C=10):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, D)), rng.integers(C, size=N)


@pytest.mark.task("fc_net")
@pytest.mark.rule("fc_net.loss")
def test_initial_loss_is_close_to_log_num_classes():
    X, y = _small_problem(N=40, D=30)
    model = FullyConnectedNet([20, 20], input_dim=30, weight_scale=1e-3, dtype=np.float64)
    loss, grads = model.loss(X, y)
    assert loss == pytest.approx(np.log(10), abs=0.05)
    assert set(grads) == set(model.params)


@pytest.mark.task("fc_net")
@pytest.mark.rule("fc_net.scores")
def test_test_mode_returns_class_scores():
    X, _ = _small_problem(N=7)
    scores = FullyConnectedNet([9], input_dim=15, dtype=np.float64).loss(X)
    assert np.shape(scores) == (7, 10)


@pytest.mark.task("fc_net")
@pytest.mark.rule("fc_net.loss", "fc_net.dropout")
@pytest.mark.parametrize(
    ("normalization", "keep", "reg", "N"),
    [(None, 1, 0.0, 2), (None, 1, 3.14, 2), ("batchnorm", 1, 0.0, 10), ("layernorm", 0.5, 0.0, 2)],
)
def test_gradients_match_numeric_gradients(normalization, keep, reg, N):
    X, y = _small_problem(N=N)  # batch norm over two examples is degenerate, hence N=10 there
    np.random.seed(231)
    model = FullyConnectedNet(
        [20, 30], input_dim=15, reg=reg, weight_scale=5e-2, dtype=np.float64,
        normalization=normalization, dropout_keep_ratio=keep, seed=123,
    )
    _, grads = model.loss(X, y)
    for name in sorted(grads):
        numeric = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], h=1e-5)
        error, gap = rel_error(numeric, grads[name]), np.abs(numeric - grads[name]).max()
        # A bias right before batch norm has a zero gradient: only the absolute gap is meaningful there.
        assert error < 1e-4 or gap < 1e-8, f"{name}: relative error {error:.2e}, absolute gap {gap:.1e}"


@pytest.mark.task("fc_net")
@pytest.mark.rule("fc_net.loss")
def test_three_layer_net_overfits_fifty_examples():
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((50, 40)), rng.integers(10, size=50)
    model = FullyConnectedNet([100, 100], input_dim=40, weight_scale=1e-1, dtype=np.float64)
    configs = {}
    for _ in range(200):
        _, grads = model.loss(X, y)
        for name, grad in grads.items():
            model.params[name], configs[name] = optim.sgd(model.params[name], grad, configs.get(name, {"learning_rate": 5e-2}))
    accuracy = np.mean(np.argmax(model.loss(X), axis=1) == y)
    assert accuracy == 1.0, f"training accuracy {accuracy:.2f} after 200 steps"


@pytest.mark.task("fc_net")
@pytest.mark.rule("fc_net.overfit")
def test_gradient_descent_fits_a_small_training_set():
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((20, 40)), rng.integers(5, size=20)  # more features than examples
    np.random.seed(7)
    model = FullyConnectedNet([64, 64], input_dim=40, num_classes=5, weight_scale=0.15, dtype=np.float64)
    for _ in range(30):
        _, grads = model.loss(X, y)
        model.params = {name: value - 0.3 * grads[name] for name, value in model.params.items()}
    accuracy = np.mean(np.argmax(model.loss(X), axis=1) == y)
    assert accuracy >= 0.9, f"the trained network classifies {accuracy:.0%} of its training set correctly"


@pytest.mark.task("fc_net")
@pytest.mark.rule("fc_net.init")
def test_initial_parameters():
    np.random.seed(231)
    model = FullyConnectedNet([60, 50], input_dim=40, num_classes=30, weight_scale=0.05, normalization="batchnorm")
    shapes = {"W1": (40, 60), "b1": (60,), "gamma1": (60,), "beta1": (60,), "W2": (60, 50), "b2": (50,),
              "gamma2": (50,), "beta2": (50,), "W3": (50, 30), "b3": (30,)}
    assert {name: value.shape for name, value in model.params.items()} == shapes
    for name, value in model.params.items():
        if name.startswith("W"):
            assert abs(value.mean()) < 0.01 and value.std() == pytest.approx(0.05, rel=0.1), name
        else:
            assert np.all(value == (1.0 if name.startswith("gamma") else 0.0)), name
