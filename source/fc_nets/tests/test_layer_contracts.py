"""What every layer promises: its array arguments stay untouched, dtypes are kept."""
import numpy as np
import pytest

from numnet import layers

RNG = np.random.default_rng(231)
X, W, B, GAMMA, BETA = RNG.standard_normal((4, 3)), RNG.standard_normal((3, 5)), RNG.standard_normal(5), \
    RNG.standard_normal(3), RNG.standard_normal(3)
LABELS = np.array([0, 2, 1, 2])

# name -> (task, forward, its arguments, backward or None)
LAYERS = {
    "affine": ("affine", layers.affine_forward, (X, W, B), layers.affine_backward),
    "relu": ("relu", layers.relu_forward, (X,), layers.relu_backward),
    "batchnorm": ("batchnorm", lambda x, g, b: layers.batchnorm_forward(x, g, b, {"mode": "train"}), (X, GAMMA, BETA),
                  layers.batchnorm_backward),
    "batchnorm_alt": ("batchnorm", lambda x, g, b: layers.batchnorm_forward(x, g, b, {"mode": "train"}),
                      (X, GAMMA, BETA), layers.batchnorm_backward_alt),
    "layernorm": ("layernorm", lambda x, g, b: layers.layernorm_forward(x, g, b, {}), (X, GAMMA, BETA),
                  layers.layernorm_backward),
    "dropout": ("dropout", lambda x: layers.dropout_forward(x, {"mode": "train", "p": 0.5, "seed": 1}), (X,),
                layers.dropout_backward),
    "softmax_loss": ("losses", lambda x: layers.softmax_loss(x, LABELS), (X,), None),
    "svm_loss": ("losses", lambda x: layers.svm_loss(x, LABELS), (X,), None),
}
CASES = [pytest.param(name, marks=pytest.mark.task(task), id=name) for name, (task, *_) in LAYERS.items()]


@pytest.mark.rule("layers.untouched")
@pytest.mark.parametrize("name", CASES)
def test_layers_leave_their_arguments_untouched(name):
    _, forward, args, backward = LAYERS[name]
    copies = [arg.copy() for arg in args]
    out, cache = forward(*copies)
    dout = np.ones_like(out) if backward else None
    if backward:
        backward(dout, cache)
        assert np.array_equal(dout, np.ones_like(out)), f"{name} backward modified dout"
    for arg, copy in zip(args, copies):
        assert np.array_equal(arg, copy), f"{name} modified one of its inputs"


@pytest.mark.rule("layers.float32")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", CASES)
def test_outputs_keep_the_input_dtype(name, dtype):
    _, forward, args, _ = LAYERS[name]
    out, second = forward(*(arg.astype(dtype) for arg in args))
    result = second if name.endswith("_loss") else out  # a loss returns (loss, dx)
    assert result.dtype == dtype
