"""Hidden checks of FullyConnectedNet: parameters, loss, gradients and scores against the
reference on the same parameters, dropout by its properties, and a short training run."""
import numpy as np
import pytest

from autograder.grading.checks import (
    DIRECTIONS,
    Mismatch,
    check_model_loss,
    expect_array,
    expect_grads,
    expect_keys,
    expect_scalar,
    expect_structure,
    model_numeric_gradient_error,
)
from autograder.suites.fc_nets.inputs import keep_units_alive, labels, problem

NORMALIZATIONS = [None, "batchnorm", "layernorm"]


def twin_models(student, reference, rng, shape, **settings):
    """The reference's and the student's network on the same random parameters."""
    options = dict(shape, dtype="float64", **settings)
    theirs = reference.classifiers.fc_net.FullyConnectedNet(**options)
    for name, value in theirs.params.items():
        spread = 0.5 if name.startswith("W") else 0.3
        centre = 1.0 if name.startswith("gamma") else 0.0
        theirs.params[name] = centre + spread * rng.standard_normal(value.shape)
    mine = student.classifiers.fc_net.FullyConnectedNet(**options)
    mine.set("params", theirs.params)
    return mine, theirs


@pytest.mark.task("fc_net")
@pytest.mark.rule("fc_net.init")
@pytest.mark.parametrize("normalization", NORMALIZATIONS)
def test_fc_net_initial_parameters(student, reference, rng, normalization):
    """__init__ creates every parameter with the right shape, zero biases, unit gammas and weights of std weight_scale"""
    scale = float(rng.uniform(1e-2, 1e-1))
    # every weight matrix has at least 2000 entries: its sample mean and std lie far inside the limits below
    shape = dict(hidden_dims=[int(h) for h in rng.integers(50, 70, size=2)], input_dim=60, num_classes=40)
    expected = reference.classifiers.fc_net.FullyConnectedNet(**shape, normalization=normalization, weight_scale=scale,
                                                              dtype="float64").params
    params = student.classifiers.fc_net.FullyConnectedNet(**shape, normalization=normalization, weight_scale=scale,
                                                          dtype="float64").get("params")
    expect_keys("params", params, expected)
    for key in sorted(expected):
        if key.startswith("W"):
            expect_array(f"params['{key}']", params[key], expected[key], np.inf)
            std_error = abs(float(np.std(params[key])) / scale - 1)
            if std_error > 0.15 or abs(float(np.mean(params[key]))) > 0.15 * scale:
                raise Mismatch(f"params['{key}'] should be drawn with mean 0 and std weight_scale: the std is off by "
                               f"{100 * std_error:.0f}% or the mean is off by more than 15% of weight_scale")
        else:
            expect_array(f"params['{key}']", params[key], expected[key], 0.0)


@pytest.mark.task("fc_net")
@pytest.mark.rule("fc_net.loss")
@pytest.mark.weight(2)
@pytest.mark.parametrize(("normalization", "regularized"), [(None, False), (None, True), ("batchnorm", False),
                                                            ("batchnorm", True), ("layernorm", True)])
def test_fc_net_loss_and_gradients(student, reference, rng, tol, normalization, regularized):
    """loss(X, y) returns the reference's loss and gradients of every parameter, on the same parameters"""
    X, y, shape = problem(rng)
    reg = float(rng.uniform(0.5, 2)) if regularized else 0.0
    mine, theirs = twin_models(student, reference, rng, shape, normalization=normalization, reg=reg)
    keep_units_alive(reference, theirs, X, rng)
    mine.set("params", theirs.params)
    check_model_loss("FullyConnectedNet", mine, theirs, X, y, tol["forward"], tol["gradient"])


@pytest.mark.task("fc_net")
@pytest.mark.rule("fc_net.scores")
@pytest.mark.parametrize("normalization", NORMALIZATIONS)
def test_fc_net_scores(student, reference, rng, tol, normalization):
    """loss(X) returns the reference's class scores, in test mode after a training step (batchnorm: running averages)"""
    X, y, shape = problem(rng)
    mine, theirs = twin_models(student, reference, rng, shape, normalization=normalization)
    theirs.loss(X, y)
    mine.loss(X, y)
    X_test = rng.standard_normal((int(rng.integers(1, 5)), X.shape[1]))
    keep_units_alive(reference, theirs, X_test, rng, mode="test")
    mine.set("params", theirs.params)
    expect_array("loss(X) scores", mine.loss(X_test), theirs.loss(X_test), tol["forward"])


@pytest.mark.task("fc_net")
@pytest.mark.rule("fc_net.loss")
@pytest.mark.requires("test_fc_net_loss_and_gradients")
def test_fc_net_initial_loss(student, rng):
    """with small weights and no regularization the initial loss is close to log(num_classes)"""
    C = int(rng.integers(5, 11))
    model = student.classifiers.fc_net.FullyConnectedNet([20, 20], input_dim=30, num_classes=C, weight_scale=1e-3,
                                                         dtype="float64")
    loss, _ = expect_structure("loss(X, y)", model.loss(rng.standard_normal((40, 30)), labels(rng, 40, C)), 2)
    expect_scalar("initial loss", loss, float(np.log(C)), 0.01)


@pytest.mark.task("fc_net")
@pytest.mark.rule("fc_net.dropout", "fc_net.scores")
@pytest.mark.requires("test_fc_net_loss_and_gradients")
@pytest.mark.weight(2)
@pytest.mark.parametrize("normalization", [None, "layernorm"])
def test_fc_net_dropout(student, reference, rng, tol, normalization):
    """with dropout and a seed, the gradients match numeric gradients of your loss; dropout is active in training only"""
    # Wide enough that some active unit is always dropped, whatever mask the student's generator draws:
    # otherwise dropout that forgets the 1/p scaling would look "not applied" for an unlucky mask.
    X, y, shape = problem(rng, N=8, widths=(20, 30))
    keep, seed = float(rng.uniform(0.5, 0.8)), int(rng.integers(2**31))
    mine, theirs = twin_models(student, reference, rng, shape, normalization=normalization, dropout_keep_ratio=keep,
                               seed=seed)
    keep_units_alive(reference, theirs, X, rng)
    mine.set("params", theirs.params)
    plain = reference.classifiers.fc_net.FullyConnectedNet(**shape, normalization=normalization, dtype="float64")
    plain.params = theirs.params
    expect_array("loss(X) scores with dropout configured", mine.loss(X), plain.loss(X), tol["forward"])
    loss, grads = expect_structure("loss(X, y)", mine.loss(X, y), 2)
    plain_loss = plain.loss(X, y)[0]
    expect_scalar("loss(X, y) with dropout", loss, plain_loss, np.inf)  # a finite number
    if abs(float(loss) - plain_loss) < 1e-12:
        raise Mismatch("loss(X, y) with dropout equals the loss without dropout: dropout is not applied in training")
    expect_grads("loss(X, y) grads", grads, theirs.params, np.inf)
    error = model_numeric_gradient_error(mine, theirs.params, X, y, rng, directions=DIRECTIONS)
    if not error <= tol["numeric"]:
        raise Mismatch("the gradients with dropout disagree with the numeric gradient of your loss along random "
                       f"directions: max rel error {error:.3g} (tolerance {tol['numeric']:.0e})")


@pytest.mark.task("fc_net")
@pytest.mark.rule("fc_net.loss")
@pytest.mark.requires("test_fc_net_loss_and_gradients")
def test_fc_net_training_lowers_the_loss(student, rng):
    """twenty SGD steps on your gradients lower your network's loss on a small training set"""
    X, y = rng.standard_normal((20, 8)), labels(rng, 20, 4)
    model = student.classifiers.fc_net.FullyConnectedNet([16], input_dim=8, num_classes=4, weight_scale=0.1,
                                                         normalization="batchnorm", dtype="float64")
    params = model.get("params")
    losses = []
    for _ in range(20):  # one request a step: the params are assigned just before the loss is taken
        loss, grads = expect_structure("loss(X, y)", next(model.loss.each([params], (X, y), attribute="params")), 2)
        expect_grads("loss(X, y) grads", grads, params, np.inf)
        expect_scalar("loss(X, y)", loss, np.log(4), np.inf)  # a finite number
        losses.append(float(loss))
        params = {name: value - 0.3 * grads[name] for name, value in params.items()}
    if not losses[-1] < 0.6 * losses[0]:
        raise Mismatch("after 20 SGD steps on your gradients the loss is not below 60% of its initial value")
