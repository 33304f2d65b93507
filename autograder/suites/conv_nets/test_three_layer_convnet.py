"""Hidden checks of ThreeLayerConvNet: initialisation, scores, loss, gradients, training.

The student's network runs on the student's own layers, fast layers included, so
it also depends on the submitted im2col extension.
"""
import numpy as np
import pytest

from autograder.grading.checks import (
    Mismatch,
    check_model_loss,
    expect_array,
    expect_scalar,
    expect_shapes,
    expect_structure,
    model_numeric_gradient_error,
)


def net_config(rng, use_batchnorm=False, reg=0.0, num_classes=None):
    """Keyword arguments of a tiny float64 ThreeLayerConvNet and a batch for it."""
    C, size = int(rng.integers(1, 3)), int(rng.choice([4, 6]))
    config = {"input_dim": (C, size, size), "num_filters": int(rng.integers(2, 4)), "filter_size": 3,
              "hidden_dim": int(rng.integers(3, 6)), "num_classes": num_classes or int(rng.integers(3, 6)),
              "weight_scale": 0.1, "reg": reg, "use_batchnorm": use_batchnorm}
    N = int(rng.integers(2, 4))
    X = rng.standard_normal((N, C, size, size))
    y = rng.integers(0, config["num_classes"], size=N)
    return config, X, y


def twin_models(student, reference, config):
    """The student's and the reference's network, both holding the reference's parameters."""
    expected = reference.classifiers.cnn.ThreeLayerConvNet(**config, dtype=np.float64)
    model = student.classifiers.cnn.ThreeLayerConvNet(**config, dtype="float64")
    model.set("params", expected.params)
    return model, expected


@pytest.mark.task("three_layer_convnet")
@pytest.mark.rule("cnn.init")
@pytest.mark.parametrize("use_batchnorm", [False, True])
def test_initialisation(student, reference, rng, tol, use_batchnorm):
    """__init__ creates every parameter with the right shape, zero biases and weight_scale-sized weights"""
    config, _, _ = net_config(rng, use_batchnorm, num_classes=10)
    config.update(num_filters=8, hidden_dim=20, weight_scale=float(rng.uniform(0.5, 2.0)))  # enough weights to measure
    expected = reference.classifiers.cnn.ThreeLayerConvNet(**config, dtype=np.float64).params
    params = student.classifiers.cnn.ThreeLayerConvNet(**config, dtype="float64").get("params")
    expect_shapes("params", params, expected)
    for key, value in expected.items():
        got = params[key]
        if key.startswith("W"):
            spread = float(got.std()) / config["weight_scale"]
            if not 0.6 < spread < 1.4:
                raise Mismatch(f"params['{key}'] should be drawn with standard deviation weight_scale; "
                               f"its spread is {spread:.2f} times weight_scale")
        else:
            expect_array(f"params['{key}']", got, value, tol["forward"], check_dtype=False)


@pytest.mark.task("three_layer_convnet")
@pytest.mark.rule("cnn.scores")
@pytest.mark.parametrize("use_batchnorm", [False, True])
def test_scores(student, reference, rng, tol, use_batchnorm):
    """loss(X) without labels returns the reference's class scores"""
    config, X, _ = net_config(rng, use_batchnorm)
    model, expected = twin_models(student, reference, config)
    if use_batchnorm:
        F = config["num_filters"]
        bn_param = {"mode": "test", "running_mean": rng.standard_normal(F), "running_var": rng.uniform(0.5, 2.0, F)}
        model.set("bn_param", bn_param)
        expected.bn_param = dict(bn_param)
    expect_array("scores", model.loss(X), expected.loss(X), tol["forward"])


@pytest.mark.task("three_layer_convnet")
@pytest.mark.rule("cnn.loss")
@pytest.mark.weight(2)
@pytest.mark.parametrize("use_batchnorm,reg", [(False, 0.0), (False, 0.7), (True, 0.3)])
def test_loss_and_gradients(student, reference, rng, tol, use_batchnorm, reg):
    """loss(X, y) returns the reference's loss (with 0.5 * reg * sum(W**2)) and gradients"""
    config, X, y = net_config(rng, use_batchnorm, reg)
    model, expected = twin_models(student, reference, config)
    check_model_loss("ThreeLayerConvNet", model, expected, X, y, tol["gradient"])


@pytest.mark.task("three_layer_convnet")
@pytest.mark.rule("cnn.scores")
def test_test_mode_after_training(student, reference, rng, tol):
    """with batchnorm, scores after a training call use the running averages it left behind"""
    config, X, y = net_config(rng, use_batchnorm=True)
    model, expected = twin_models(student, reference, config)
    for _ in range(2):
        expected.loss(X, y)
        model.loss(X, y)
    X_test = rng.standard_normal(X.shape)
    expect_array("scores in test mode", model.loss(X_test), expected.loss(X_test), tol["forward"])


@pytest.mark.task("three_layer_convnet")
@pytest.mark.rule("cnn.loss")
@pytest.mark.requires("test_loss_and_gradients")
def test_initial_loss(student, rng):
    """with tiny weights and no regularisation the initial loss is close to log(num_classes)"""
    config, X, y = net_config(rng, num_classes=10)
    config["weight_scale"] = 1e-3
    model = student.classifiers.cnn.ThreeLayerConvNet(**config, dtype="float64")
    loss, _ = expect_structure("loss(X, y)", model.loss(X, y), 2)
    expect_scalar("initial loss", loss, float(np.log(10)), 1e-2)


@pytest.mark.task("three_layer_convnet")
@pytest.mark.rule("cnn.loss")
@pytest.mark.requires("test_loss_and_gradients")
@pytest.mark.parametrize("use_batchnorm", [False, True])
def test_gradients_numeric(student, reference, rng, tol, use_batchnorm):
    """your gradients agree with numeric derivatives of your own loss"""
    config, X, y = net_config(rng, use_batchnorm, reg=0.2)
    model, expected = twin_models(student, reference, config)
    error = model_numeric_gradient_error(model, expected.params, X, y, rng)
    if not error <= tol["numeric"]:
        raise Mismatch(f"directional derivatives of your loss disagree with your gradients: max rel error "
                       f"{error:.3g} (tolerance {tol['numeric']:.0e})")


@pytest.mark.task("three_layer_convnet")
@pytest.mark.rule("cnn.loss")
@pytest.mark.requires("test_loss_and_gradients")
def test_sgd_steps_reduce_loss(student, reference, rng):
    """a few SGD steps on your own gradients lower your loss as much as they lower the reference's"""
    config, X, y = net_config(rng, num_classes=4)
    model = student.classifiers.cnn.ThreeLayerConvNet(**config, dtype="float64")
    ref_model = reference.classifiers.cnn.ThreeLayerConvNet(**config, dtype=np.float64)
    model.set("params", ref_model.params)
    losses, ref_losses = [], []
    for _ in range(6):
        loss, grads = expect_structure("loss(X, y)", model.loss(X, y), 2)
        ref_loss, ref_grads = ref_model.loss(X, y)
        losses.append(float(loss))
        ref_losses.append(ref_loss)
        params = model.get("params")
        model.set("params", {key: value - 0.5 * np.asarray(grads[key]) for key, value in params.items()})
        ref_model.params = {key: value - 0.5 * ref_grads[key] for key, value in ref_model.params.items()}
    slack = 0.05 * abs(ref_losses[0] - ref_losses[-1]) + 1e-6 * abs(ref_losses[0])
    if not losses[-1] <= ref_losses[-1] + slack:
        raise Mismatch(f"6 SGD steps on your gradients changed the loss by a factor {losses[-1] / losses[0]:.3g}; "
                       f"the same steps on the reference's gradients give {ref_losses[-1] / ref_losses[0]:.3g}")
