"""ThreeLayerConvNet: shapes, initial loss, gradients and fitting a small training set."""
import numpy as np
import pytest

from numnet.classifiers.cnn import ThreeLayerConvNet
from numnet.gradient_check import eval_numerical_gradient, rel_error


@pytest.mark.task("three_layer_convnet")
@pytest.mark.rule("cnn.init", "cnn.scores")
def test_parameter_shapes_and_scores():
    model = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=4, filter_size=3, hidden_dim=6, num_classes=5)
    expected = {"W1": (4, 3, 3, 3), "b1": (4,), "W2": (4 * 4 * 4, 6), "b2": (6,), "W3": (6, 5), "b3": (5,)}
    assert {name: model.params[name].shape for name in expected} == expected
    for name in ("b1", "b2", "b3"):
        assert np.all(model.params[name] == 0), f"{name} must start at zero"
    scores = model.loss(np.random.default_rng(0).standard_normal((7, 3, 8, 8)))
    assert np.shape(scores) == (7, 5)


@pytest.mark.task("three_layer_convnet")
@pytest.mark.rule("cnn.init")
def test_weights_have_standard_deviation_weight_scale():
    np.random.seed(231)
    model = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=16, hidden_dim=40, weight_scale=0.2, use_batchnorm=True)
    for name in ("W1", "W2", "W3"):
        assert model.params[name].std() == pytest.approx(0.2, rel=0.15), name
    assert np.all(model.params["gamma1"] == 1) and np.all(model.params["beta1"] == 0)


@pytest.mark.task("three_layer_convnet")
@pytest.mark.rule("cnn.loss")
def test_initial_loss_is_close_to_log_num_classes_and_grows_with_reg():
    np.random.seed(231)
    rng = np.random.default_rng(231)
    X, y = rng.standard_normal((10, 3, 16, 16)), rng.integers(10, size=10)
    model = ThreeLayerConvNet(input_dim=(3, 16, 16), num_filters=8, hidden_dim=20, dtype=np.float64)
    loss, _ = model.loss(X, y)
    model.reg = 0.5
    loss_reg, _ = model.loss(X, y)
    assert loss == pytest.approx(np.log(10), abs=0.05)
    assert loss_reg > loss


@pytest.mark.task("three_layer_convnet")
@pytest.mark.rule("cnn.loss")
@pytest.mark.parametrize("use_batchnorm", [False, True])
def test_gradients_match_numeric_gradients(use_batchnorm):
    np.random.seed(2)
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((2, 3, 8, 8)), rng.integers(10, size=2)
    model = ThreeLayerConvNet(input_dim=(3, 8, 8), num_filters=3, filter_size=3, hidden_dim=7, weight_scale=5e-2,
                              reg=0.1, dtype=np.float64, use_batchnorm=use_batchnorm)
    _, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    for name in sorted(grads):
        numeric = eval_numerical_gradient(lambda _: model.loss(X, y)[0], model.params[name], h=1e-6)
        error, gap = rel_error(numeric, grads[name]), np.abs(numeric - grads[name]).max()
        assert error < 1e-4 or gap < 1e-8, f"{name}: relative error {error:.2e}, absolute gap {gap:.1e}"


@pytest.mark.task("three_layer_convnet")
@pytest.mark.rule("cnn.overfit")
def test_gradient_descent_fits_a_small_training_set():
    rng = np.random.default_rng(7)
    X, y = rng.standard_normal((16, 1, 8, 8)), rng.integers(4, size=16)  # more pixels than examples
    np.random.seed(7)
    model = ThreeLayerConvNet(input_dim=(1, 8, 8), num_filters=6, filter_size=3, hidden_dim=32, num_classes=4,
                              weight_scale=0.2, dtype=np.float64)
    for _ in range(75):
        _, grads = model.loss(X, y)
        model.params = {name: value - 0.3 * grads[name] for name, value in model.params.items()}
    accuracy = np.mean(np.argmax(model.loss(X), axis=1) == y)
    assert accuracy >= 0.9, f"the trained network classifies {accuracy:.0%} of its training set correctly"
